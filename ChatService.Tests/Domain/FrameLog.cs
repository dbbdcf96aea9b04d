using ChatGrpc.Contracts.V1;
using ChatService.Chat;

namespace ChatService.Tests.Domain;

/// <summary>Every frame queued for one session, read from its outbox as a stream's writer loop would.</summary>
internal sealed class FrameLog(Session session)
{
    private readonly List<ServerFrame> _seen = new();
    private readonly List<OutboundFrame> _batch = new();
    private int _matched;

    public Session Session { get; } = session;

    /// <summary>Frames read so far, oldest first.</summary>
    public IReadOnlyList<ServerFrame> Seen
    {
        get
        {
            ReadQueued();
            return _seen;
        }
    }

    /// <summary>The first frame after the last one this returned that matches; fails the test after <see cref="ChatDomain.Timeout"/>.</summary>
    public async Task<ServerFrame> WaitForAsync(Func<ServerFrame, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(ChatDomain.Timeout);
        while (true)
        {
            ReadQueued();
            for (var i = _matched; i < _seen.Count; i++)
            {
                if (match(_seen[i]))
                {
                    _matched = i + 1;
                    return _seen[i];
                }
            }

            try
            {
                if (!await Session.Outbox.WaitToReadAsync(timeout.Token))
                {
                    Assert.Fail($"The session closed before {what} arrived; it got: {string.Join(", ", _seen.Select(f => f.FrameCase))}");
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"No {what} within {ChatDomain.Timeout.TotalSeconds} s; the session got: {string.Join(", ", _seen.Select(f => f.FrameCase))}");
            }
        }
    }

    private void ReadQueued()
    {
        _batch.Clear();
        Session.Outbox.DrainTo(_batch, int.MaxValue);
        _seen.AddRange(_batch.Select(frame => ServerFrame.Parser.ParseFrom(frame.Payload)));
    }
}
