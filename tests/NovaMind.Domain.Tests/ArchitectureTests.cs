using System.Xml.Linq;
using NovaMind.Domain.Observations;

namespace NovaMind.Domain.Tests;

/// <summary>The domain holds business rules only: no framework, ML or cloud dependencies.</summary>
public class ArchitectureTests
{
    private static readonly string[] ForbiddenPrefixes = ["Orleans", "Microsoft.Orleans", "TorchSharp", "Microsoft.AspNetCore", "Azure"];

    [Fact]
    public void DomainAssembly_ReferencesNoOrleansTorchAspNetCoreOrAzureAssembly()
    {
        var assembly = typeof(ObservationType).Assembly;
        Assert.Equal("NovaMind.Domain", assembly.GetName().Name);

        var references = assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.NotEmpty(references); // it does reference the runtime; the list is real
        var forbidden = references.Where(r => ForbiddenPrefixes.Any(p => r.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(forbidden.Count == 0, "NovaMind.Domain references " + string.Join(", ", forbidden));
    }

    [Fact]
    public void DomainProject_HasNoFrameworkPackageReference()
    {
        var csproj = Path.Combine(RepoRoot(), "src", "NovaMind.Domain", "NovaMind.Domain.csproj");
        Assert.True(File.Exists(csproj), $"{csproj} not found");

        var packageReferences = XDocument.Load(csproj).Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "GlobalPackageReference")
            .Select(e => e.Attribute("Include")?.Value ?? e.Attribute("Update")?.Value ?? "?")
            .ToList();

        // Maths libraries (MathNet.Numerics) are allowed; frameworks, ML runtimes and cloud SDKs are not.
        var forbidden = packageReferences.Where(IsFrameworkPackage).ToList();
        Assert.True(forbidden.Count == 0, "NovaMind.Domain.csproj has PackageReference " + string.Join(", ", forbidden));
    }

    [Theory]
    [InlineData("Microsoft.Orleans.Sdk", true)]
    [InlineData("Orleans.Core", true)]
    [InlineData("TorchSharp-cpu", true)]
    [InlineData("Microsoft.AspNetCore.OpenApi", true)]
    [InlineData("Azure.Data.Tables", true)]
    [InlineData("MathNet.Numerics", false)]
    [InlineData("AzureFunctionsLookalike", false)] // "Azure." is the prefix, not "Azure"
    public void FrameworkPackagePrefixes(string package, bool forbidden)
    {
        Assert.Equal(forbidden, IsFrameworkPackage(package));
    }

    private static readonly string[] ForbiddenPackagePrefixes = ["Microsoft.Orleans", "Orleans", "TorchSharp", "Microsoft.AspNetCore", "Azure."];

    private static bool IsFrameworkPackage(string package) =>
        ForbiddenPackagePrefixes.Any(p => package.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>The folder above the test binaries that holds NovaMind.sln or Directory.Build.props.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NovaMind.sln")) || File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
                return dir.FullName;
        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }
}
