using ChatGrpc.Contracts.V1;
using Grpc.Core;

namespace ChatGrpc.Client;

/// <summary>Keeping the client's state in step with what the server says.</summary>
public sealed partial class ChatClient
{
    /// <summary>Applies a frame to the cursors, pending sends and joins; false for a message already delivered.</summary>
    private bool Accept(ServerFrame frame)
    {
        lock (_gate)
        {
            switch (frame.FrameCase)
            {
                case ServerFrame.FrameOneofCase.Message:
                    var message = frame.Message;
                    if (!_rooms.TryGetValue(message.Room, out var last) || message.Seq <= last)
                    {
                        return false;
                    }

                    _rooms[message.Room] = message.Seq;
                    SaveCursors();
                    return true;
                case ServerFrame.FrameOneofCase.Joined:
                    var joined = frame.Joined;
                    _joinRequests.Remove(frame.RequestId);
                    if (!_rooms.ContainsKey(joined.Room.Id))
                    {
                        // Left while the join was on its way.
                        return false;
                    }

                    if (joined.Resume != ResumeResult.Complete)
                    {
                        // Fresh or reset: the history given is where this room starts; a complete resume replays what follows.
                        _rooms[joined.Room.Id] = joined.History.Count > 0 ? joined.History[^1].Seq : joined.LastSeq;
                        _changes[joined.Room.Id] = joined.LastChange;
                        SaveCursors();
                    }

                    if (_joins.Remove(joined.Room.Id, out var joining))
                    {
                        joining.TrySetResult(joined);
                    }

                    return true;
                case ServerFrame.FrameOneofCase.MessageEdited when frame.RequestId.Length == 0:
                    return AcceptChange(frame.MessageEdited.Message.Room, frame.MessageEdited.Message.Change);
                case ServerFrame.FrameOneofCase.MessageDeleted when frame.RequestId.Length == 0:
                    return AcceptChange(frame.MessageDeleted.Room, frame.MessageDeleted.Change);
                case ServerFrame.FrameOneofCase.ChangeAck:
                    if (_changeRequests.Remove(frame.RequestId, out var acked))
                    {
                        _pendingChanges.Remove(acked);
                        acked.Acked.TrySetResult(frame.ChangeAck);
                    }

                    return true;
                case ServerFrame.FrameOneofCase.SendAck:
                    var ack = frame.SendAck;
                    var index = _pending.FindIndex(p => p.Request.ClientMsgId == ack.ClientMsgId);
                    if (index >= 0)
                    {
                        _pending[index].Acked.TrySetResult(ack);
                        _pending.RemoveAt(index);
                    }

                    return true;
                case ServerFrame.FrameOneofCase.Error:
                    Refused(frame.RequestId, frame.Error);
                    return true;
                case ServerFrame.FrameOneofCase.Draining:
                    _drainingDelay = frame.Draining.ReconnectAfter?.ToTimeSpan() ?? TimeSpan.Zero;
                    return true;
                case ServerFrame.FrameOneofCase.TokenRefreshed:
                    _tokenExpiresAt = frame.TokenRefreshed.ExpiresAt.ToDateTimeOffset();
                    _tokenRefreshed?.TrySetResult();
                    return true;
                default:
                    return true;
            }
        }
    }

    /// <summary>
    /// Moves a room's change cursor. A stream lets changes out in number order, so one at or below the
    /// cursor is a repeat from around a resume (or a change of 0 from an older server): skipped.
    /// </summary>
    private bool AcceptChange(string room, ulong change)
    {
        if (!_changes.TryGetValue(room, out var last) || (change <= last && change > 0))
        {
            return false;
        }

        _changes[room] = change;
        SaveCursors();
        return true;
    }

    /// <summary>A refused send, join, edit or deletion: a rate limit on a send is waited out and retried, anything else is final.</summary>
    private void Refused(string requestId, ErrorFrame error)
    {
        var code = (StatusCode)error.Code;
        if (_changeRequests.Remove(requestId, out var change))
        {
            _pendingChanges.Remove(change);
            change.Acked.TrySetException(new ChatClientException(code, error.Message));
            return;
        }

        if (error.ClientMsgId.Length > 0 && _pending.FindIndex(p => p.Request.ClientMsgId == error.ClientMsgId) is var index and >= 0)
        {
            var send = _pending[index];
            if (code == StatusCode.ResourceExhausted && error.RetryAfter is { } retryAfter)
            {
                _ = SendAgainAsync(send, retryAfter.ToTimeSpan());
                return;
            }

            _pending.RemoveAt(index);
            send.Acked.TrySetException(new ChatClientException(code, error.Message));
            return;
        }

        if (_joinRequests.Remove(requestId, out var room))
        {
            _rooms.Remove(room);
            if (_joins.Remove(room, out var joining))
            {
                joining.TrySetException(new ChatClientException(code, error.Message));
            }

            SaveCursors();
        }
    }

    private async Task SendAgainAsync(PendingSend send, TimeSpan after)
    {
        try
        {
            await Task.Delay(after, _time, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        bool stillPending;
        lock (_gate)
        {
            stillPending = _pending.Contains(send);
        }

        if (stillPending)
        {
            Write(new ClientFrame { Send = send.Request });
        }
    }

    /// <summary>The client gave up for good: everything still waiting learns why.</summary>
    private void FailWaiting(StatusCode code, string reason)
    {
        lock (_gate)
        {
            foreach (var send in _pending)
            {
                send.Acked.TrySetException(new ChatClientException(code, reason));
            }

            _pending.Clear();
            foreach (var joining in _joins.Values)
            {
                joining.TrySetException(new ChatClientException(code, reason));
            }

            _joins.Clear();
        }
    }
}
