using ChatGrpc.Client;
using ChatGrpc.Contracts.V1;

namespace ChatService.Tests.Sdk;

/// <summary>Reads a <see cref="ChatClient"/>'s events in the background, as an app would, so a test can wait on them with a timeout.</summary>
internal sealed class ClientEvents : IAsyncDisposable
{
    private readonly List<ChatClientEvent> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientEvents(ChatClient client) => _reading = Task.Run(() => ReadAsync(client));

    public IReadOnlyList<ChatClientEvent> All
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>The messages the app saw, in the order it saw them.</summary>
    public IReadOnlyList<ChatMessage> Messages(string room) =>
        All.OfType<FrameReceived>().Select(f => f.Frame.Message).Where(m => m?.Room == room).Select(m => m!).ToList();

    public IReadOnlyList<ConnectionChanged> Connection => All.OfType<ConnectionChanged>().ToList();

    public async Task WaitForAsync(Func<IReadOnlyList<ChatClientEvent>, bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task arrived;
            lock (_events)
            {
                if (condition(_events))
                {
                    return;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; events: {string.Join(", ", All.TakeLast(12).Select(Describe))}");
            }
        }
    }

    public Task WaitForMessagesAsync(string room, int count, TimeSpan timeout) =>
        WaitForAsync(events => events.OfType<FrameReceived>().Count(f => f.Frame.Message?.Room == room) >= count, timeout, $"{count} messages in {room}");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    private async Task ReadAsync(ChatClient client)
    {
        try
        {
            await foreach (var e in client.ReadEventsAsync(_stop.Token))
            {
                lock (_events)
                {
                    _events.Add(e);
                    _arrived.TrySetResult();
                    _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The test is done reading.
        }
    }

    private static string Describe(ChatClientEvent e) => e switch
    {
        ConnectionChanged c => $"{c.State}{(c.Reason is null ? "" : " (" + c.Reason + ")")}",
        FrameReceived f => f.Frame.FrameCase.ToString(),
        _ => e.GetType().Name,
    };
}
