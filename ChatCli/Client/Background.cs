namespace ChatCli.Client;

/// <summary>Sends and joins whose outcome the screen already shows: a refusal arrives as the error frame it came in.</summary>
internal static class Background
{
    public static void Forget(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
