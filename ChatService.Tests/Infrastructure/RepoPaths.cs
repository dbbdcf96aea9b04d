namespace ChatService.Tests.Infrastructure;

/// <summary>Finds the checkout the tests run from, so peers and protos are found by path.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Peers => Path.Combine(Root, "ChatService.Tests", "Peers");

    public static string Protos => Path.Combine(Root, "protos");

    /// <summary>The build configuration the tests run from, so programs built beside them are found in the same one.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatGrpc.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"No ChatGrpc.sln above {AppContext.BaseDirectory}.");
    }
}
