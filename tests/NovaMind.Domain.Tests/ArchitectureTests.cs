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
    public void SimulationAssembly_ReferencesNoOrleansTorchAspNetCoreOrAzureAssembly()
    {
        var assembly = typeof(NovaMind.Simulation.SymptomCohortSimulator).Assembly;
        Assert.Equal("NovaMind.Simulation", assembly.GetName().Name);
        var references = assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.Contains("NovaMind.Domain", references);
        var forbidden = references.Where(r => ForbiddenPrefixes.Any(p => r.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(forbidden.Count == 0, "NovaMind.Simulation references " + string.Join(", ", forbidden));
    }

    [Theory]
    [InlineData("NovaMind.Domain")]
    [InlineData("NovaMind.Simulation")]
    public void PlainProjects_HaveNoFrameworkPackageReference(string project)
    {
        var csproj = ProjectFile(project);
        var packageReferences = XDocument.Load(csproj).Descendants()
            .Where(e => e.Name.LocalName is "PackageReference" or "GlobalPackageReference")
            .Select(e => e.Attribute("Include")?.Value ?? e.Attribute("Update")?.Value ?? "?")
            .ToList();

        // Maths libraries (MathNet.Numerics) are allowed; frameworks, ML runtimes and cloud SDKs are not.
        var forbidden = packageReferences.Where(IsFrameworkPackage).ToList();
        Assert.True(forbidden.Count == 0, $"{project}.csproj has PackageReference " + string.Join(", ", forbidden));
    }

    /// <summary>Synthetic cohorts stay out of the gateway and the domain, directly or through another project.</summary>
    [Theory]
    [InlineData("NovaMind.Gateway", "NovaMind.Simulation", false)]
    [InlineData("NovaMind.Domain", "NovaMind.Simulation", false)]
    [InlineData("NovaMind.Contracts", "NovaMind.Simulation", false)]
    [InlineData("NovaMind.Ml", "NovaMind.Simulation", true)] // trainers draw their cohorts from it: the check sees real edges
    [InlineData("NovaMind.Silo", "NovaMind.Domain", true)]
    public void ProjectGraph_Reaches(string from, string to, bool expected)
    {
        Assert.Equal(expected, ReachableProjects(from).Contains(to));
    }

    private static HashSet<string> ReachableProjects(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.Count > 0)
        {
            var name = pending.Pop();
            foreach (var reference in XDocument.Load(ProjectFile(name)).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
            {
                var referenced = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
                if (seen.Add(referenced)) pending.Push(referenced);
            }
        }
        return seen;
    }

    private static string ProjectFile(string project)
    {
        var csproj = Path.Combine(RepoRoot(), "src", project, project + ".csproj");
        Assert.True(File.Exists(csproj), $"{csproj} not found");
        return csproj;
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
