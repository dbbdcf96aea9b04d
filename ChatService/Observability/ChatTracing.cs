using System.Diagnostics;
using ChatGrpc.Contracts.V1;

namespace ChatService.Observability;

/// <summary>
/// Spans of the chat domain, on ActivitySource "ChatGrpc.Server". With no listener (no OTLP
/// endpoint configured) StartActivity returns null and a send pays for one check.
/// </summary>
public static class ChatTracing
{
    /// <summary>The same name as the meter: one name for everything the chat server reports about itself.</summary>
    public const string SourceName = ChatMetrics.MeterName;

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// One span per send, from validation through the commit and the fan-out to the ack. Its parent is
    /// the current request's span, which continues a <c>traceparent</c> the client sent.
    /// </summary>
    public static Activity? StartSend(string roomId)
    {
        var activity = Source.StartActivity("chat.send", ActivityKind.Internal);
        activity?.SetTag("messaging.system", "chatgrpc");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", roomId);
        return activity;
    }

    public static void Acked(Activity? activity, SendAck ack)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("messaging.message.id", ack.Id);
        activity.SetTag("chat.seq", (long)ack.Seq);
        activity.SetTag("chat.duplicate", ack.Duplicate);
    }

    /// <summary>Marks the span failed; always false, for use as an exception filter that lets the error pass.</summary>
    public static bool Failed(Activity? activity, Exception error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error is Chat.ChatException chat ? chat.Code.ToString() : error.GetType().Name);
        return false;
    }
}
