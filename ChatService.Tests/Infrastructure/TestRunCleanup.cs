namespace ChatService.Tests.Infrastructure;

/// <summary>What the whole run started and must not leave behind: the throwaway Postgres.</summary>
[TestClass]
public sealed class TestRunCleanup
{
    [AssemblyCleanup]
    public static async Task StopSharedServersAsync()
    {
        await PostgresServer.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
    }
}
