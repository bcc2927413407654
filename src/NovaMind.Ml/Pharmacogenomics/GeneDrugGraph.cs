using NovaMind.Domain.Pharmacogenomics;

namespace NovaMind.Ml.Pharmacogenomics;

public enum GraphNodeKind { Drug, Gene, Guideline, Pathway, GeneRole }

/// <summary>Edge types; every edge is used in both directions for message passing.</summary>
public enum GraphRelation
{
    /// <summary>Drug → gene its CPIC guideline uses (the drug's metabolic pathway or HLA risk).</summary>
    GuidelineGene,
    /// <summary>Drug → gene whose enzyme it inhibits (phenoconversion data).</summary>
    Inhibits,
    /// <summary>Drug → the CPIC guideline that covers it.</summary>
    CoveredBy,
    /// <summary>Guideline → a gene it gives recommendations for.</summary>
    GuidelineCovers,
    /// <summary>Gene → its pathway (CYP phase-I oxidation, HLA class-I hypersensitivity).</summary>
    InPathway,
    /// <summary>Gene → how the knowledge base interprets it (activity score, function pair, carrier test).</summary>
    HasRole,
}

public sealed record GraphNode(string Name, GraphNodeKind Kind);

public sealed record GraphEdge(int Source, int Target, GraphRelation Relation);

/// <summary>
/// The drug–gene–pathway knowledge graph, built from the knowledge base only: drugs (guideline drugs and CYP2D6
/// inhibitors), genes, guidelines, pathways and gene roles. Drug–gene interactions (the link-prediction target) are the
/// <see cref="GraphRelation.GuidelineGene"/> and <see cref="GraphRelation.Inhibits"/> edges.
/// </summary>
public sealed class GeneDrugGraph
{
    public const string CypPathway = "CYP450 phase-I oxidative metabolism";
    public const string HlaPathway = "HLA class-I mediated hypersensitivity";

    private readonly Dictionary<string, int> _index;

    public GeneDrugGraph(IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphEdge> edges)
    {
        Nodes = nodes;
        Edges = edges;
        _index = nodes.Select((n, i) => (n, i)).ToDictionary(p => Key(p.n.Kind, p.n.Name), p => p.i, StringComparer.Ordinal);
        Drugs = nodes.Select((n, i) => (n, i)).Where(p => p.n.Kind == GraphNodeKind.Drug).Select(p => p.i).ToList();
        Genes = nodes.Select((n, i) => (n, i)).Where(p => p.n.Kind == GraphNodeKind.Gene).Select(p => p.i).ToList();
        Interactions = edges.Where(e => IsInteraction(e.Relation)).Select(e => (e.Source, e.Target)).Distinct().Order().ToList();
    }

    public IReadOnlyList<GraphNode> Nodes { get; }
    public IReadOnlyList<GraphEdge> Edges { get; }
    /// <summary>Node indices of drugs and genes.</summary>
    public IReadOnlyList<int> Drugs { get; }
    public IReadOnlyList<int> Genes { get; }
    /// <summary>Distinct (drug, gene) pairs with a guideline or inhibitor edge.</summary>
    public IReadOnlyList<(int Drug, int Gene)> Interactions { get; }

    public static bool IsInteraction(GraphRelation relation) => relation is GraphRelation.GuidelineGene or GraphRelation.Inhibits;

    public bool TryGetNode(GraphNodeKind kind, string name, out int index) => _index.TryGetValue(Key(kind, name), out index);

    /// <summary>Builds the graph from the knowledge base's guideline drugs, inhibitors and genes.</summary>
    public static GeneDrugGraph FromKnowledgeBase(PgxKnowledgeBase knowledgeBase)
    {
        ArgumentNullException.ThrowIfNull(knowledgeBase);
        var nodes = new List<GraphNode>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        int Node(GraphNodeKind kind, string name)
        {
            if (index.TryGetValue(Key(kind, name), out var i)) return i;
            nodes.Add(new GraphNode(name, kind));
            index[Key(kind, name)] = nodes.Count - 1;
            return nodes.Count - 1;
        }
        var edges = new HashSet<GraphEdge>();

        // Only drugs with a known drug–gene relation: a drug the knowledge base merely lists without a guideline has unknown,
        // not absent, interactions, so it must not become a negative example.
        foreach (var drug in knowledgeBase.Drugs.All.Where(d => d.HasRecommendation || d.Inhibits.Count > 0)) Node(GraphNodeKind.Drug, drug.Name);
        foreach (var gene in knowledgeBase.Genes)
        {
            var g = Node(GraphNodeKind.Gene, gene.Name);
            edges.Add(new GraphEdge(g, Node(GraphNodeKind.Pathway, gene.Kind == GeneKind.Carrier ? HlaPathway : CypPathway), GraphRelation.InPathway));
            var role = gene.Kind switch
            {
                GeneKind.ActivityScore => "activity-score gene",
                GeneKind.FunctionPair => "function-pair gene",
                _ => "risk-allele carrier test",
            };
            edges.Add(new GraphEdge(g, Node(GraphNodeKind.GeneRole, role), GraphRelation.HasRole));
        }
        foreach (var drug in knowledgeBase.GuidelineDrugs)
        {
            var d = Node(GraphNodeKind.Drug, drug.Name);
            var guideline = Node(GraphNodeKind.Guideline, drug.Guideline.Id);
            edges.Add(new GraphEdge(d, guideline, GraphRelation.CoveredBy));
            foreach (var gene in drug.Genes)
            {
                var g = Node(GraphNodeKind.Gene, gene);
                edges.Add(new GraphEdge(d, g, GraphRelation.GuidelineGene));
                edges.Add(new GraphEdge(guideline, g, GraphRelation.GuidelineCovers));
            }
        }
        foreach (var inhibitor in knowledgeBase.Inhibitors)
            edges.Add(new GraphEdge(Node(GraphNodeKind.Drug, inhibitor.Drug), Node(GraphNodeKind.Gene, inhibitor.Gene), GraphRelation.Inhibits));

        var ordered = edges.OrderBy(e => e.Relation).ThenBy(e => e.Source).ThenBy(e => e.Target).ToList();
        return new GeneDrugGraph(nodes, ordered);
    }

    /// <summary>
    /// The edges left when <paramref name="hidden"/> drug–gene relations are held out together with every path that would
    /// reveal them: the relations' own edges, the guideline membership of every drug under test (drug → guideline →
    /// gene), and guideline–gene edges that no remaining drug of that guideline supports. A drug under test keeps only
    /// its other, training interactions.
    /// </summary>
    public IReadOnlyList<GraphEdge> EdgesWithout(IReadOnlySet<(int Drug, int Gene)> hidden, IReadOnlySet<int> drugsUnderTest)
    {
        var membership = Edges.Where(e => e.Relation == GraphRelation.CoveredBy).ToLookup(e => e.Source, e => e.Target);
        var supported = new HashSet<(int Guideline, int Gene)>();
        foreach (var e in Edges.Where(e => e.Relation == GraphRelation.GuidelineGene && !hidden.Contains((e.Source, e.Target)) && !drugsUnderTest.Contains(e.Source)))
            foreach (var guideline in membership[e.Source]) supported.Add((guideline, e.Target));
        return [.. Edges.Where(e => e.Relation switch
        {
            GraphRelation.GuidelineGene or GraphRelation.Inhibits => !hidden.Contains((e.Source, e.Target)),
            GraphRelation.CoveredBy => !drugsUnderTest.Contains(e.Source),
            GraphRelation.GuidelineCovers => supported.Contains((e.Source, e.Target)),
            _ => true,
        })];
    }

    private static string Key(GraphNodeKind kind, string name) => $"{kind}:{name}";
}
