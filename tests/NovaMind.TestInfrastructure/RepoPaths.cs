namespace NovaMind.TestInfrastructure;

public static class RepoPaths
{
    /// <summary>The checkout root: the nearest folder above the test binaries that holds NovaMind.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NovaMind.sln"))) return dir.FullName;
        throw new InvalidOperationException($"NovaMind.sln not found above {AppContext.BaseDirectory}");
    }
}
