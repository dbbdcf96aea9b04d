namespace ChatService.Tests.Wire;

/// <summary>Upper bounds for awaits in tests: generous, so only a hang or a real failure trips them.</summary>
internal static class WireTimeouts
{
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Call = TimeSpan.FromSeconds(20);
}
