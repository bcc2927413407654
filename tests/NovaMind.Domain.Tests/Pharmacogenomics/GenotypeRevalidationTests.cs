using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class GenotypeRevalidationTests
{
    private static readonly PgxKnowledgeBase Kb = PgxTestData.Kb;

    [Fact]
    public void NothingStored_IsMissing()
    {
        var check = GenotypeRevalidation.Check(null, null, null, Kb);
        Assert.Equal((GenotypeStatus.Missing, "missing"), (check.Status, check.StatusName));
    }

    [Fact]
    public void AStoredValueThatNoLongerParses_NeedsReview_NeverMissing()
    {
        var stored = new Dictionary<string, string> { ["CYP2D6"] = "*1/*999", ["CYP2C19"] = "*1/*1" };
        var check = GenotypeRevalidation.Check(stored, "2025.01.0", null, Kb);
        Assert.Equal((GenotypeStatus.NeedsReview, "needs_review"), (check.Status, check.StatusName));
        Assert.Null(check.Genotype);
        Assert.Contains("validated against 2025.01.0", check.Reason);
        Assert.Contains($"knowledge base {Kb.Version}", check.Reason);
        Assert.Contains("*999", check.Reason);
    }

    [Fact]
    public void AnUnchangedKnowledgeBase_ReportsNoChange()
    {
        var stored = new Dictionary<string, string> { ["CYP2C19"] = "*17/*17", ["CYP2D6"] = "*1/*4" };
        var first = GenotypeRevalidation.Check(stored, null, null, Kb);
        Assert.Equal("Ultrarapid Metabolizer", first.Phenotypes["CYP2C19"]);
        var again = GenotypeRevalidation.Check(stored, Kb.Version, first.Phenotypes, Kb);
        Assert.Equal(GenotypeStatus.Ok, again.Status);
        Assert.Empty(again.Changes);
    }

    /// <summary>A newer knowledge base that reclassifies an allele: the stored genotype still parses, and the phenotype change is reported.</summary>
    [Fact]
    public void ANewerKnowledgeBaseThatReclassifiesAnAllele_ReportsThePhenotypeChange()
    {
        var stored = new Dictionary<string, string> { ["CYP2C19"] = "*17/*17", ["CYP2D6"] = "*1/*1" };
        var before = GenotypeRevalidation.Check(stored, null, null, Kb);
        var newer = PgxKnowledgeBase.Load(name =>
        {
            var text = name switch
            {
                "knowledge-base.json" => PgxTestData.ReadEmbedded(name).Replace($"\"version\": \"{Kb.Version}\"", "\"version\": \"2099.01.0\"", StringComparison.Ordinal),
                "gene-CYP2C19.json" => ReclassifyStar17(PgxTestData.ReadEmbedded(name)),
                _ => PgxTestData.ReadEmbedded(name),
            };
            return new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        });
        Assert.Equal("2099.01.0", newer.Version);

        var after = GenotypeRevalidation.Check(stored, Kb.Version, before.Phenotypes, newer);
        Assert.Equal(GenotypeStatus.Ok, after.Status);
        var change = Assert.Single(after.Changes);
        Assert.Equal(("CYP2C19", "*17/*17", "Ultrarapid Metabolizer", "Normal Metabolizer", Kb.Version, "2099.01.0"),
            (change.Gene, change.Value, change.Before, change.After, change.FromVersion, change.ToVersion));
        Assert.Equal($"CYP2C19 *17/*17: Ultrarapid Metabolizer with knowledge base {Kb.Version}, Normal Metabolizer with 2099.01.0", change.ToString());
    }

    private static string ReclassifyStar17(string geneJson)
    {
        var doc = System.Text.Json.Nodes.JsonNode.Parse(geneJson)!;
        var star17 = doc["alleles"]!.AsArray().Single(a => (string?)a!["name"] == "*17")!;
        Assert.Equal("Increased function", (string?)star17["function"]);
        star17["function"] = "Normal function";
        return doc.ToJsonString();
    }

    [Fact]
    public void CategoryDocument_IsUpToDate()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "NovaMind.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var committed = File.ReadAllText(Path.Combine(root.FullName, CategoryReviewDocument.RelativePath));
        Assert.True(committed == CategoryReviewDocument.Render(Kb),
            $"{CategoryReviewDocument.RelativePath} is out of date: run ./novamind docs pgx-categories and commit it");
        foreach (var rule in Kb.Rules) Assert.Contains($"| {rule.Id} |", committed);
    }
}
