using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>
/// A relational message-passing network (two layers, mean aggregation per relation, R-GCN style) over the
/// <see cref="GeneDrugGraph"/>, with a DistMult decoder that scores a drug–gene interaction:
/// <c>h⁽ˡ⁺¹⁾ᵥ = act(W₀ h⁽ˡ⁾ᵥ + Σ_r W_r · mean_{u ∈ N_r(v)} h⁽ˡ⁾ᵤ)</c>, <c>score(d, g) = σ(Σ_k h_d,k · w_k · h_g,k + b)</c>.
/// Node inputs are a learned embedding per node plus one per node kind. Adjacency is dense ([relations, nodes, nodes],
/// row-normalised), which is simplest at this size (tens of nodes).
/// </summary>
public sealed class GeneDrugGraphNet : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _node;
    private readonly Embedding _kind;
    private readonly ModuleList<Linear> _self;
    private readonly ModuleList<Linear> _relation;
    private readonly Parameter _decoder;
    private readonly Parameter _bias;
    private readonly Tensor _kinds;
    private readonly int _relations;
    private readonly int _layers;
    private readonly double _dropout;

    public GeneDrugGraphNet(int nodes, long[] nodeKinds, int kinds, int relations, int dim = 16, int layers = 2, double dropout = 0.1)
        : base(nameof(GeneDrugGraphNet))
    {
        _relations = relations;
        _layers = layers;
        _dropout = dropout;
        _node = nn.Embedding(nodes, dim);
        _kind = nn.Embedding(kinds, dim);
        _self = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => nn.Linear(dim, dim)).ToArray());
        _relation = nn.ModuleList(Enumerable.Range(0, layers * relations).Select(_ => nn.Linear(dim, dim, hasBias: false)).ToArray());
        _decoder = nn.Parameter(ones(dim));
        _bias = nn.Parameter(zeros(1));
        RegisterComponents();
        _kinds = tensor(nodeKinds).DetachFromDisposeScope(); // not a parameter: rebuilt from the graph on load
    }

    /// <param name="adjacency">[relations, nodes, nodes], each row normalised to mean aggregation.</param>
    /// <returns>Node states [nodes, dim].</returns>
    public override Tensor forward(Tensor adjacency)
    {
        using var scope = NewDisposeScope();
        var h = _node.weight!.Plus(_kind.forward(_kinds)); // through TorchScalars: no temporary native scalar
        for (var l = 0; l < _layers; l++)
        {
            h = nn.functional.dropout(h, _dropout, training);
            var next = _self[l].forward(h);
            for (var r = 0; r < _relations; r++)
                next = next.Plus(_relation[l * _relations + r].forward(adjacency[r].matmul(h)));
            h = l < _layers - 1 ? nn.functional.relu(next) : next;
        }
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>Interaction logits for (drug, gene) node-index pairs, given node states from <see cref="forward"/>.</summary>
    public Tensor Score(Tensor states, Tensor drugs, Tensor genes)
    {
        using var scope = NewDisposeScope();
        var logits = (states.index_select(0, drugs) * _decoder * states.index_select(0, genes)).sum(1).Plus(_bias);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Dense row-normalised adjacency [relations, nodes, nodes] from edges (both directions).</summary>
    public static Tensor Adjacency(int nodes, int relations, IEnumerable<GraphEdge> edges)
    {
        var a = new float[relations * nodes * nodes];
        foreach (var e in edges)
        {
            var r = (int)e.Relation;
            a[(r * nodes + e.Source) * nodes + e.Target] = 1f;
            a[(r * nodes + e.Target) * nodes + e.Source] = 1f;
        }
        for (var r = 0; r < relations; r++)
        for (var v = 0; v < nodes; v++)
        {
            var row = a.AsSpan((r * nodes + v) * nodes, nodes);
            var degree = 0f;
            foreach (var x in row) degree += x;
            if (degree > 0) for (var u = 0; u < nodes; u++) row[u] /= degree;
        }
        return tensor(a, [relations, nodes, nodes]);
    }
}
