using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

/// <summary>Shared helpers for the pharmacogenomics tests.</summary>
internal static class PgxTestData
{
    public static PgxKnowledgeBase Kb => PgxKnowledgeBase.Default;

    public static Genotype Genotype(params (string Gene, string Value)[] genes)
    {
        var result = NovaMind.Domain.Pharmacogenomics.Genotype.Parse(genes.ToDictionary(g => g.Gene, g => g.Value));
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.Message)));
        return result.Genotype!;
    }

    public static GenePhenotype Phenotype(string gene, string value) => PhenotypeCalculator.Default.Phenotype(gene, value);

    /// <summary>Opens the embedded data files, letting a test replace one file's text.</summary>
    public static Func<string, Stream?> EmbeddedFilesWith(string? file = null, Func<string, string>? edit = null) => name =>
    {
        var stream = typeof(PgxKnowledgeBase).Assembly.GetManifestResourceStream("NovaMind.Pgx." + name);
        if (stream is null || name != file || edit is null) return stream;
        using var reader = new StreamReader(stream);
        return new MemoryStream(System.Text.Encoding.UTF8.GetBytes(edit(reader.ReadToEnd())));
    };

    public static string ReadEmbedded(string name)
    {
        using var stream = typeof(PgxKnowledgeBase).Assembly.GetManifestResourceStream("NovaMind.Pgx." + name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
