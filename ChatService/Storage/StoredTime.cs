namespace ChatService.Storage;

/// <summary>Both stores keep times in whole milliseconds since the Unix epoch.</summary>
public static class StoredTime
{
    /// <summary>
    /// Now, at the precision it will be stored with, so the live frame and ack of a message carry the same
    /// sent_at as its replay and history later do.
    /// </summary>
    public static DateTimeOffset StoredNow(this TimeProvider time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
