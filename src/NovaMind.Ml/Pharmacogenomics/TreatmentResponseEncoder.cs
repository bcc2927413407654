using NovaMind.Domain.Pharmacogenomics;
using static TorchSharp.torch;

namespace NovaMind.Ml.Pharmacogenomics;

/// <summary>One input as numbers: the candidate-drug (query) token, the genotype token and up to <see cref="TreatmentResponseEncoder.MaxHistory"/> history tokens.</summary>
internal sealed record EncodedTreatment(int Drug, float[] Query, float[] Genotype, int[] HistoryDrugs, float[] History)
{
    public int HistoryLength => HistoryDrugs.Length;
}

/// <summary>Tensors of a padded batch. <see cref="HistoryPadding"/> is true where a history slot is padding.</summary>
public sealed record TreatmentBatch(Tensor Drug, Tensor Query, Tensor Genotype, Tensor HistoryDrugs, Tensor History, Tensor HistoryPadding);

/// <summary>
/// Turns a <see cref="TreatmentResponseInput"/> into model features (docs/pgx-models.md, "Features"). Phenotypes come from
/// the knowledge base: each gene's CPIC phenotype one-hot (or "not genotyped"), CYP2D6 activity score after
/// phenoconversion by co-medications, and the strongest CYP2D6 inhibitor taken.
/// </summary>
internal sealed class TreatmentResponseEncoder
{
    public const int MaxHistory = 16;
    /// <summary>Dose and history counts (4), then the knowledge-guided pathway block (3 metabolizer genes × 8 + 2 HLA genes × 2).</summary>
    public const int QueryWidth = 4 + 3 * 8 + 2 * 2;
    public const int GenotypeWidth = 32;
    public const int HistoryNumericWidth = 7; // log dose ratio, log duration, 4 response one-hot, recency

    /// <summary>Metabolizer genes in feature order; 7 slots each (UM, RM, NM, IM, PM, indeterminate, not genotyped).</summary>
    public static readonly string[] MetabolizerGenes = ["CYP2D6", "CYP2C19", "CYP2B6"];
    /// <summary>HLA risk alleles in feature order; 3 slots each (positive, negative, not genotyped).</summary>
    public static readonly string[] CarrierGenes = ["HLA-B*15:02", "HLA-A*31:01"];

    private readonly Dictionary<string, int> _drugIndex;
    private readonly IReadOnlyDictionary<string, double> _referenceDoses;
    private readonly Dictionary<string, int> _sideEffectIndex;
    private readonly PhenotypeCalculator _phenotypes;
    private readonly Phenoconversion _phenoconversion;

    public TreatmentResponseEncoder(IReadOnlyList<string> drugs, IReadOnlyDictionary<string, double> referenceDosesMg, IReadOnlyList<string> sideEffects, PgxKnowledgeBase knowledgeBase)
    {
        Drugs = drugs;
        SideEffects = sideEffects;
        _drugIndex = drugs.Select((d, i) => (d, i)).ToDictionary(p => p.d, p => p.i, StringComparer.Ordinal);
        _referenceDoses = referenceDosesMg;
        _sideEffectIndex = sideEffects.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        KnowledgeBase = knowledgeBase;
        _phenotypes = new PhenotypeCalculator(knowledgeBase);
        _phenoconversion = new Phenoconversion(knowledgeBase);
    }

    public IReadOnlyList<string> Drugs { get; }
    public IReadOnlyList<string> SideEffects { get; }
    public PgxKnowledgeBase KnowledgeBase { get; }

    /// <summary>The embedding index of drugs outside the vocabulary.</summary>
    public int OtherDrug => Drugs.Count;
    public int Vocabulary => Drugs.Count + 1;
    public int HistoryWidth => HistoryNumericWidth + SideEffects.Count;

    /// <summary>Hand-crafted features of the logistic baseline: drug one-hot, query, genotype, history summaries.</summary>
    public int BaselineWidth => Vocabulary + QueryWidth + GenotypeWidth + 5 + SideEffects.Count;

    public bool TryGetDrugIndex(string drug, out int index) => _drugIndex.TryGetValue(DrugCatalogue.Normalize(drug), out index);

    public EncodedTreatment Encode(TreatmentResponseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Drug is null || !TryGetDrugIndex(input.Drug, out var drug))
            throw new UnknownDrugException(input.Drug ?? "", Drugs);
        if (!double.IsFinite(input.DoseMg) || input.DoseMg <= 0)
            throw new ArgumentOutOfRangeException(nameof(input), $"dose {input.DoseMg} mg must be a positive number");
        var drugName = Drugs[drug];
        var history = (input.History ?? []).Where(h => h is not null).OrderBy(h => h.End).ThenBy(h => h.Start).ToList();
        var coMedications = input.CoMedications ?? [];

        var failures = history.Count(h => h.Response is TreatmentResponse.None or TreatmentResponse.Partial);
        var query = new float[QueryWidth];
        query[0] = DoseRatio(drugName, input.DoseMg);
        query[1] = Math.Min(2f, history.Count / 6f);
        query[2] = Math.Min(2f, failures / 6f);
        query[3] = Math.Min(2f, (history.Count - failures) / 6f);
        PathwayFeatures(drugName, input.Genotype, coMedications, query.AsSpan(4));

        var kept = history.Skip(Math.Max(0, history.Count - MaxHistory)).ToList();
        var width = HistoryWidth;
        var historyDrugs = new int[kept.Count];
        var features = new float[kept.Count * width];
        for (var i = 0; i < kept.Count; i++)
        {
            var h = kept[i];
            var index = OtherDrug;
            var known = h.Drug is not null && TryGetDrugIndex(h.Drug, out index);
            historyDrugs[i] = known ? index : OtherDrug;
            var f = features.AsSpan(i * width, width);
            f[0] = known ? DoseRatio(Drugs[index], h.DoseMg) : 0f;
            var weeks = Math.Max(0, h.End.DayNumber - h.Start.DayNumber) / 7.0;
            f[1] = (float)(Math.Log(1 + weeks) / Math.Log(53));
            f[2 + (int)h.Response] = 1f;
            f[6] = 1f / (kept.Count - i); // 1 for the most recent, 1/2 for the one before, ...
            foreach (var effect in h.SideEffects ?? [])
                if (effect is not null && _sideEffectIndex.TryGetValue(effect, out var s)) f[HistoryNumericWidth + s] = 1f;
        }
        return new EncodedTreatment(drug, query, GenotypeFeatures(drugName, input.Genotype, coMedications), historyDrugs, features);
    }

    /// <summary>
    /// Which genes the drug's CPIC guideline uses (knowledge base), crossed with the patient's phenotype of each: for every
    /// metabolizer gene a relevance flag and relevance × phenotype one-hot; for every HLA allele relevance and relevance × carrier.
    /// </summary>
    private void PathwayFeatures(string drug, Genotype? genotype, IReadOnlyList<string> coMedications, Span<float> f)
    {
        var genes = KnowledgeBase.TryGetGuidelineDrug(drug, out var guideline) ? guideline.Genes : [];
        var phenotypes = GenotypeFeatures(drug, genotype, coMedications);
        var o = 0;
        for (var g = 0; g < MetabolizerGenes.Length; g++, o += 8)
        {
            if (!genes.Contains(MetabolizerGenes[g])) continue;
            f[o] = 1f;
            for (var k = 0; k < 7; k++) f[o + 1 + k] = phenotypes[g * 7 + k];
        }
        for (var g = 0; g < CarrierGenes.Length; g++, o += 2)
        {
            if (!genes.Contains(CarrierGenes[g])) continue;
            f[o] = 1f;
            f[o + 1] = phenotypes[MetabolizerGenes.Length * 7 + g * 3];
        }
    }

    private float DoseRatio(string drug, double doseMg)
    {
        var reference = _referenceDoses.TryGetValue(drug, out var r) && r > 0 ? r : doseMg;
        return (float)Math.Clamp(Math.Log(Math.Max(doseMg, 1e-6) / reference), -3, 3);
    }

    private float[] GenotypeFeatures(string drug, Genotype? genotype, IReadOnlyList<string> coMedications)
    {
        var f = new float[GenotypeWidth];
        var offset = 0;
        decimal? effectiveScore = null, genotypeScore = null;
        foreach (var gene in MetabolizerGenes)
        {
            var slot = 6; // not genotyped
            if (genotype is not null && genotype.TryGet(gene, out var result))
            {
                var phenotype = _phenotypes.Phenotype(result);
                if (gene == "CYP2D6")
                {
                    genotypeScore = phenotype.ActivityScore;
                    phenotype = _phenoconversion.Apply(phenotype, coMedications, drug).Phenotype;
                    effectiveScore = phenotype.ActivityScore;
                }
                slot = phenotype.Phenotype switch
                {
                    MetabolizerPhenotype.UltrarapidMetabolizer => 0,
                    MetabolizerPhenotype.RapidMetabolizer => 1,
                    MetabolizerPhenotype.NormalMetabolizer => 2,
                    MetabolizerPhenotype.IntermediateMetabolizer or MetabolizerPhenotype.LikelyIntermediateMetabolizer => 3,
                    MetabolizerPhenotype.PoorMetabolizer or MetabolizerPhenotype.LikelyPoorMetabolizer => 4,
                    _ => 5,
                };
            }
            f[offset + slot] = 1f;
            offset += 7;
        }
        foreach (var gene in CarrierGenes)
        {
            var slot = genotype is not null && genotype.TryGet(gene, out var result) ? (result.IsCarrier == true ? 0 : 1) : 2;
            f[offset + slot] = 1f;
            offset += 3;
        }
        f[offset++] = effectiveScore is { } e ? (float)e / 2f : 0f;
        f[offset++] = genotypeScore is { } g ? (float)g / 2f : 0f;
        f[offset++] = effectiveScore is null ? 0f : 1f;
        var inhibitors = _phenoconversion.InhibitorsOf("CYP2D6", coMedications, drug);
        f[offset++] = inhibitors.Count == 0 ? 0f : 1f - (float)inhibitors[0].ActivityScoreFactor;
        f[offset++] = genotype is null || genotype.Results.Count == 0 ? 0f : 1f;
        return offset == GenotypeWidth ? f : throw new InvalidOperationException($"genotype features: wrote {offset}, expected {GenotypeWidth}");
    }

    /// <summary>
    /// Pads a batch to its longest history (at least one slot, so the tensors are never empty). With
    /// <paramref name="dropoutRng"/>, each history drug becomes "other drug" with probability <paramref name="drugDropout"/>
    /// (training only: teaches the model what an unknown drug in the history means).
    /// </summary>
    public TreatmentBatch Collate(IReadOnlyList<EncodedTreatment> items, Random? dropoutRng = null, double drugDropout = 0)
    {
        var n = items.Count;
        var length = Math.Max(1, items.Max(i => i.HistoryLength));
        var width = HistoryWidth;
        var drugs = new long[n];
        var query = new float[n * QueryWidth];
        var genotype = new float[n * GenotypeWidth];
        var historyDrugs = new long[n * length];
        var history = new float[n * length * width];
        var padding = new bool[n * length];
        for (var b = 0; b < n; b++)
        {
            var item = items[b];
            drugs[b] = item.Drug;
            Array.Copy(item.Query, 0, query, b * QueryWidth, QueryWidth);
            Array.Copy(item.Genotype, 0, genotype, b * GenotypeWidth, GenotypeWidth);
            for (var t = 0; t < length; t++)
            {
                if (t >= item.HistoryLength) { padding[b * length + t] = true; historyDrugs[b * length + t] = OtherDrug; continue; }
                var d = item.HistoryDrugs[t];
                if (dropoutRng is not null && drugDropout > 0 && dropoutRng.NextDouble() < drugDropout) d = OtherDrug;
                historyDrugs[b * length + t] = d;
                Array.Copy(item.History, t * width, history, (b * length + t) * width, width);
            }
        }
        return new TreatmentBatch(
            tensor(drugs, [n]), tensor(query, [n, QueryWidth]), tensor(genotype, [n, GenotypeWidth]),
            tensor(historyDrugs, [n, length]), tensor(history, [n, length, width]), tensor(padding, [n, length]));
    }

    public float[] BaselineFeatures(EncodedTreatment item)
    {
        var f = new float[BaselineWidth];
        var o = 0;
        f[item.Drug] = 1f;
        o += Vocabulary;
        item.Query.CopyTo(f, o);
        o += QueryWidth;
        item.Genotype.CopyTo(f, o);
        o += GenotypeWidth;
        var width = HistoryWidth;
        if (item.HistoryLength == 0) f[o] = 1f; // no history
        else
        {
            var last = (item.HistoryLength - 1) * width;
            for (var r = 0; r < 4; r++) f[o + 1 + r] = item.History[last + 2 + r]; // last response one-hot
            for (var t = 0; t < item.HistoryLength; t++)
            for (var s = 0; s < SideEffects.Count; s++)
                if (item.History[t * width + HistoryNumericWidth + s] > 0) f[o + 5 + s] = 1f; // side effect ever reported
        }
        return f;
    }
}
