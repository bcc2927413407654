using System.Text.Json;
using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Ml.Inference;
using static TorchSharp.torch;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>A drug–gene pair and the graph model's interaction score (a model estimate, 0..1).</summary>
public sealed record GeneInteractionScore(string Drug, string Gene, double Score, bool InKnowledgeBase);

/// <summary>
/// The pharmacogenomic model bundle of one artifact version (<c>models/pgx/&lt;version&gt;/</c>): the treatment-response
/// transformer with its calibration and reference percentiles, and the gene–drug graph network. Every output is a
/// <see cref="TreatmentResponseOutput.EstimateLabel">model estimate</see>; prescribing guidance comes from
/// <see cref="RecommendationEngine"/> only. Inference runs in eval mode, without autograd, inside a dispose scope.
/// </summary>
public sealed class PgxModels : IBatchModel<TreatmentResponseInput, TreatmentResponseOutput>, IDisposable
{
    public const string MetadataFile = "metadata.json";
    public const string ResponseWeightsFile = "response.bin";
    public const string GraphWeightsFile = "graph.bin";
    public const string CurrentFile = ModelArtifacts.CurrentFile;

    /// <summary>Inputs per forward pass; larger batches are split.</summary>
    public const int MaxForwardBatch = 1024;

    private readonly TreatmentResponseNet _response;
    private readonly GeneDrugGraphNet _graphNet;
    private readonly GeneDrugGraph _graph;
    private readonly TreatmentResponseEncoder _encoder;
    private readonly Dictionary<(int Drug, int Gene), double> _interactionScores;
    private readonly HashSet<(int, int)> _knownInteractions;

    internal PgxModels(TreatmentResponseNet response, GeneDrugGraphNet graphNet, PgxModelMetadata metadata, PgxKnowledgeBase? knowledgeBase = null)
    {
        Metadata = metadata;
        _response = response;
        _graphNet = graphNet;
        _response.eval();
        _graphNet.eval();
        _graph = new GeneDrugGraph(metadata.Graph.Nodes, metadata.Graph.Edges);
        var r = metadata.Response;
        _encoder = new TreatmentResponseEncoder(r.Drugs, r.ReferenceDosesMg, r.SideEffects, knowledgeBase ?? PgxKnowledgeBase.Default);
        _knownInteractions = _graph.Interactions.ToHashSet();
        _interactionScores = ScoreAllPairs();
    }

    public PgxModelMetadata Metadata { get; }
    public string Version => Metadata.Version;
    /// <summary>Drugs the response model answers for (the knowledge base's supported drugs at training time).</summary>
    public IReadOnlyList<string> Drugs => Metadata.Response.Drugs;
    public IReadOnlyList<string> SideEffects => Metadata.Response.SideEffects;
    public GeneDrugGraph Graph => _graph;
    internal TreatmentResponseEncoder Encoder => _encoder;

    /// <summary>Loads the version named by <c>CURRENT</c> under <paramref name="pgxRoot"/> (e.g. models/pgx).</summary>
    public static PgxModels LoadCurrent(string pgxRoot)
    {
        return Load(ModelArtifacts.CurrentDirectory(pgxRoot, "pharmacogenomic models", "./novamind train pgx"));
    }

    public static PgxModels Load(string artifactDirectory)
    {
        var metadataPath = Path.Combine(artifactDirectory, MetadataFile);
        var metadata = JsonSerializer.Deserialize<PgxModelMetadata>(File.ReadAllText(metadataPath), PgxModelMetadata.Json)
                       ?? throw new InvalidDataException($"{metadataPath} is empty");
        var response = CreateResponseNet(metadata.Response);
        response.load(Path.Combine(artifactDirectory, ResponseWeightsFile));
        var graphNet = CreateGraphNet(metadata.Graph);
        graphNet.load(Path.Combine(artifactDirectory, GraphWeightsFile));
        return new PgxModels(response, graphNet, metadata);
    }

    public void Save(string artifactDirectory)
    {
        Directory.CreateDirectory(artifactDirectory);
        _response.save(Path.Combine(artifactDirectory, ResponseWeightsFile));
        _graphNet.save(Path.Combine(artifactDirectory, GraphWeightsFile));
        File.WriteAllText(Path.Combine(artifactDirectory, MetadataFile), JsonSerializer.Serialize(Metadata, PgxModelMetadata.Json));
    }

    internal static TreatmentResponseNet CreateResponseNet(ResponseModelMetadata m) => new(
        m.Drugs.Count + 1, TreatmentResponseEncoder.QueryWidth, TreatmentResponseEncoder.GenotypeWidth,
        TreatmentResponseEncoder.HistoryNumericWidth + m.SideEffects.Count, m.SideEffects.Count,
        m.ModelDim, m.Layers, m.Heads, m.FeedForward, m.Dropout);

    internal static GeneDrugGraphNet CreateGraphNet(GraphModelMetadata m) => new(
        m.Nodes.Count, m.Nodes.Select(n => (long)n.Kind).ToArray(), Enum.GetValues<GraphNodeKind>().Length,
        Enum.GetValues<GraphRelation>().Length, m.Dim, m.Layers, m.Dropout);

    /// <summary>One input; prefer the batch overload (one forward pass for many inputs).</summary>
    public TreatmentResponseOutput Predict(TreatmentResponseInput input) => Predict([input])[0];

    /// <summary>Calibrated efficacy, confidence, percentile and side-effect probabilities, one output per input in order.</summary>
    /// <exception cref="UnknownDrugException">An input's drug is not one of <see cref="Drugs"/>.</exception>
    public TreatmentResponseOutput[] Predict(IReadOnlyList<TreatmentResponseInput> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) return [];
        var encoded = batch.Select(_encoder.Encode).ToList();
        var (efficacyLogits, sideEffectLogits) = Logits(encoded);
        var r = Metadata.Response;
        var outputs = new TreatmentResponseOutput[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var efficacy = ProbabilityMetrics.Sigmoid(efficacyLogits[i] / r.EfficacyTemperature);
            var sideEffects = new Dictionary<string, double>(r.SideEffects.Count, StringComparer.Ordinal);
            for (var s = 0; s < r.SideEffects.Count; s++)
                sideEffects[r.SideEffects[s]] = ProbabilityMetrics.Sigmoid(sideEffectLogits[i][s] / r.SideEffectTemperatures[s]);
            outputs[i] = new TreatmentResponseOutput(
                efficacy, ProbabilityMetrics.Confidence(efficacy), Percentile(_encoder.Drugs[encoded[i].Drug], efficacy), sideEffects);
        }
        return outputs;
    }

    /// <summary>Uncalibrated logits, in chunks of <see cref="MaxForwardBatch"/>.</summary>
    internal (double[] Efficacy, double[][] SideEffects) Logits(IReadOnlyList<EncodedTreatment> encoded) => Logits(_response, _encoder, encoded);

    internal static (double[] Efficacy, double[][] SideEffects) Logits(TreatmentResponseNet net, TreatmentResponseEncoder encoder, IReadOnlyList<EncodedTreatment> encoded)
    {
        var efficacy = new double[encoded.Count];
        var sideEffects = new double[encoded.Count][];
        net.eval();
        for (var start = 0; start < encoded.Count; start += MaxForwardBatch)
        {
            var chunk = encoded.Skip(start).Take(MaxForwardBatch).ToList();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var (e, s) = net.forward(encoder.Collate(chunk));
            var eData = e.to(ScalarType.Float32).data<float>().ToArray();
            var sData = s.to(ScalarType.Float32).data<float>().ToArray();
            var width = encoder.SideEffects.Count;
            for (var i = 0; i < chunk.Count; i++)
            {
                efficacy[start + i] = eData[i];
                sideEffects[start + i] = sData.AsSpan(i * width, width).ToArray().Select(x => (double)x).ToArray();
            }
        }
        return (efficacy, sideEffects);
    }

    /// <summary>
    /// Where <paramref name="efficacy"/> lies among the reference population's efficacy for <paramref name="drug"/> (0..100):
    /// linear interpolation in the stored percentiles, so it never decreases as efficacy rises.
    /// </summary>
    public double Percentile(string drug, double efficacy)
    {
        ArgumentNullException.ThrowIfNull(drug);
        if (!_encoder.TryGetDrugIndex(drug, out var index)) throw new UnknownDrugException(drug, Drugs);
        return Percentile(Metadata.Response.ReferenceQuantiles[Drugs[index]], efficacy);
    }

    internal static double Percentile(IReadOnlyList<double> quantiles, double value)
    {
        if (double.IsNaN(value)) return double.NaN;
        var last = quantiles.Count - 1;
        if (value <= quantiles[0]) return 0;
        if (value >= quantiles[last]) return 100;
        // The highest k with q[k] <= value; interpolate towards the first quantile above it.
        var k = 0;
        while (k < last && quantiles[k + 1] <= value) k++;
        var next = k + 1;
        var fraction = (value - quantiles[k]) / (quantiles[next] - quantiles[k]);
        return Math.Clamp(100.0 * (k + fraction) / last, 0, 100);
    }

    /// <summary>
    /// The graph model's estimate (0..1) that <paramref name="drug"/> and <paramref name="gene"/> interact
    /// pharmacogenomically. A model estimate: known interactions are in the knowledge base, see <see cref="InteractionScores"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The drug or gene is not a node of the graph.</exception>
    public double ScoreInteraction(string drug, string gene)
    {
        ArgumentNullException.ThrowIfNull(drug);
        ArgumentNullException.ThrowIfNull(gene);
        if (!_graph.TryGetNode(GraphNodeKind.Drug, DrugCatalogue.Normalize(drug), out var d))
            throw new KeyNotFoundException($"drug '{drug}' is not in the gene–drug graph; known drugs: {string.Join(", ", _graph.Drugs.Select(i => _graph.Nodes[i].Name))}");
        var g = _graph.Genes.FirstOrDefault(i => string.Equals(_graph.Nodes[i].Name, gene.Trim(), StringComparison.OrdinalIgnoreCase), -1);
        if (g < 0)
            throw new KeyNotFoundException($"gene '{gene}' is not in the gene–drug graph; known genes: {string.Join(", ", _graph.Genes.Select(i => _graph.Nodes[i].Name))}");
        return _interactionScores[(d, g)];
    }

    /// <summary>Every drug–gene pair with its score, highest first.</summary>
    public IReadOnlyList<GeneInteractionScore> InteractionScores() =>
        _interactionScores
            .Select(p => new GeneInteractionScore(_graph.Nodes[p.Key.Drug].Name, _graph.Nodes[p.Key.Gene].Name, p.Value, _knownInteractions.Contains(p.Key)))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Drug, StringComparer.Ordinal).ThenBy(s => s.Gene, StringComparer.Ordinal)
            .ToList();

    private Dictionary<(int, int), double> ScoreAllPairs()
    {
        var pairs = _graph.Drugs.SelectMany(d => _graph.Genes.Select(g => (d, g))).ToList();
        var scores = GraphScores(_graphNet, _graph, pairs);
        return pairs.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => scores[x.i]);
    }

    /// <summary>σ(score) for (drug, gene) pairs with message passing over <paramref name="graph"/>'s edges.</summary>
    internal static double[] GraphScores(GeneDrugGraphNet net, GeneDrugGraph graph, IReadOnlyList<(int Drug, int Gene)> pairs)
    {
        if (pairs.Count == 0) return [];
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var adjacency = GeneDrugGraphNet.Adjacency(graph.Nodes.Count, Enum.GetValues<GraphRelation>().Length, graph.Edges);
        var states = net.forward(adjacency);
        var logits = net.Score(states, tensor(pairs.Select(p => (long)p.Drug).ToArray()), tensor(pairs.Select(p => (long)p.Gene).ToArray()));
        return logits.sigmoid().to(ScalarType.Float64).data<double>().ToArray();
    }

    public void Dispose()
    {
        _response.Dispose();
        _graphNet.Dispose();
    }
}
