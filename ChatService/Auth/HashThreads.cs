using System.Collections.Concurrent;

namespace ChatService.Auth;

/// <summary>
/// A few long-lived threads that only compute password hashes. About 150 ms of CPU per hash would
/// otherwise hold one of the 2-4 pool threads a small node starts with, and requests (chat, or the
/// refusals of a login flood) queued behind it; a new thread per hash would churn threads instead
/// (a bulk registration of 10,000 users would start and end 10,000 of them).
/// </summary>
internal sealed class HashThreads : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();

    public HashThreads(int count)
    {
        for (var i = 0; i < count; i++)
        {
            new Thread(Run) { IsBackground = true, Name = "password-hash" }.Start();
        }
    }

    public Task<T> RunAsync<T>(Func<T> hash)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(hash());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    public void Dispose() => _work.CompleteAdding();

    private void Run()
    {
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }
}
