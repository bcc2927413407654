using System.Text.Json;

namespace NovaMind.Domain.Pharmacogenomics;

/// <summary>
/// The versioned pharmacogenomics knowledge base: allele function tables, genotype-to-phenotype rules,
/// CPIC recommendation tables and CYP2D6 inhibitors. The data ships as JSON files embedded in this assembly
/// (src/NovaMind.Domain/Pharmacogenomics/Data), so the domain needs no file system; every entry names its source.
/// </summary>
public sealed class PgxKnowledgeBase
{
    /// <summary>The manifest that lists every other data file.</summary>
    public const string ManifestFile = "knowledge-base.json";

    private const string ResourcePrefix = "NovaMind.Pgx.";

    private static readonly Lazy<PgxKnowledgeBase> LazyDefault = new(Load);

    private readonly Dictionary<string, GeneDefinition> _genes;
    private readonly Dictionary<string, GuidelineDrug> _drugs;
    private readonly Dictionary<string, KnowledgeSource> _sources;

    private PgxKnowledgeBase(
        string version, string description, string cpicDataAsOf,
        IReadOnlyList<KnowledgeSource> sources, IReadOnlyList<GeneDefinition> genes,
        IReadOnlyList<GuidelineDrug> drugs, IReadOnlyList<RecommendationRule> rules,
        IReadOnlyList<EnzymeInhibitor> inhibitors, IReadOnlyList<DrugWithoutGuideline> drugsWithoutGuideline)
    {
        Version = version;
        Description = description;
        CpicDataAsOf = cpicDataAsOf;
        Sources = sources;
        Genes = genes;
        GuidelineDrugs = drugs;
        Rules = rules;
        Inhibitors = inhibitors;
        DrugsWithoutGuideline = drugsWithoutGuideline;
        _genes = genes.ToDictionary(g => g.Name, StringComparer.OrdinalIgnoreCase);
        _drugs = drugs.ToDictionary(d => d.Name, StringComparer.Ordinal);
        _sources = sources.ToDictionary(s => s.Id, StringComparer.Ordinal);
        Drugs = new DrugCatalogue(drugs, inhibitors, drugsWithoutGuideline);
    }

    /// <summary>The knowledge base embedded in this assembly, loaded once.</summary>
    public static PgxKnowledgeBase Default => LazyDefault.Value;

    public string Version { get; }
    public string Description { get; }
    /// <summary>How current the CPIC content is (the CPIC change log reviewed).</summary>
    public string CpicDataAsOf { get; }
    public IReadOnlyList<KnowledgeSource> Sources { get; }
    public IReadOnlyList<GeneDefinition> Genes { get; }
    public IReadOnlyList<GuidelineDrug> GuidelineDrugs { get; }
    public IReadOnlyList<RecommendationRule> Rules { get; }
    public IReadOnlyList<EnzymeInhibitor> Inhibitors { get; }
    /// <summary>Drugs known without a CPIC recommendation table (they rank as no guidance).</summary>
    public IReadOnlyList<DrugWithoutGuideline> DrugsWithoutGuideline { get; }
    public DrugCatalogue Drugs { get; }

    /// <summary>Gene names as the genotype input uses them.</summary>
    public IReadOnlyList<string> GeneNames => Genes.Select(g => g.Name).ToList();

    /// <summary>Finds a gene by name, ignoring case ("cyp2d6" finds CYP2D6).</summary>
    public bool TryGetGene(string? name, out GeneDefinition gene)
    {
        if (name is not null && _genes.TryGetValue(name.Trim(), out var found)) { gene = found; return true; }
        gene = null!;
        return false;
    }

    public GeneDefinition Gene(string name) =>
        TryGetGene(name, out var gene) ? gene : throw new KeyNotFoundException($"gene '{name}' is not in the knowledge base");

    public bool TryGetGuidelineDrug(string? name, out GuidelineDrug drug)
    {
        if (name is not null && _drugs.TryGetValue(DrugCatalogue.Normalize(name), out var found)) { drug = found; return true; }
        drug = null!;
        return false;
    }

    public KnowledgeSource Source(string id) =>
        _sources.TryGetValue(id, out var s) ? s : throw new KeyNotFoundException($"source '{id}' is not in the knowledge base");

    /// <summary>Loads the knowledge base embedded in this assembly.</summary>
    public static PgxKnowledgeBase Load()
    {
        var assembly = typeof(PgxKnowledgeBase).Assembly;
        return Load(file => assembly.GetManifestResourceStream(ResourcePrefix + file));
    }

    /// <summary>
    /// Loads a knowledge base whose files the caller opens (e.g. another version from a folder); <paramref name="openFile"/>
    /// returns null for a missing file. Throws <see cref="InvalidDataException"/> naming the first problem found.
    /// </summary>
    public static PgxKnowledgeBase Load(Func<string, Stream?> openFile)
    {
        ArgumentNullException.ThrowIfNull(openFile);
        return KnowledgeBaseReader.Read(openFile, (v, d, c, s, g, dr, r, i, o) => new PgxKnowledgeBase(v, d, c, s, g, dr, r, i, o));
    }

    /// <summary>The data files embedded in this assembly (to check that the manifest lists them all).</summary>
    public static IReadOnlyList<string> EmbeddedDataFiles() =>
        typeof(PgxKnowledgeBase).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal)
            .ToList();

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };
}
