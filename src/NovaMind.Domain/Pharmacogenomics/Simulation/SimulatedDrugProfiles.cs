namespace NovaMind.Domain.Pharmacogenomics.Simulation;

/// <summary>The therapeutic class a simulated patient may respond to better or worse than average.</summary>
public enum SimulatedDrugClass { Ssri, Snri, Tca, Nri, Anticonvulsant }

/// <summary>
/// What the outcome simulator assumes about one drug (docs/pgx-outcome-simulator.md). These are rough, documented
/// simplifications chosen to plant pharmacogenomic structure in synthetic data, not pharmacokinetic facts.
/// </summary>
/// <param name="Doses">Daily doses (mg) a simulated prescriber picks from.</param>
/// <param name="ReferenceDoseMg">The dose at which exposure is 1 for a normal metabolizer with full adherence.</param>
/// <param name="Clearance">Fraction of clearance through each knowledge-base gene; the rest is unaffected by genotype.</param>
/// <param name="EfficacyIntercept">Log-odds of response at reference exposure, no prior failures, average patient.</param>
/// <param name="SideEffectIntercepts">Log-odds of each side effect (in <see cref="MedicationPlanValidator.KnownSideEffects"/> order) at reference exposure.</param>
/// <param name="RashRiskAlleles">HLA risk allele → log-odds added to rash for carriers.</param>
public sealed record SimulatedDrugProfile(
    string Drug,
    SimulatedDrugClass Class,
    IReadOnlyList<double> Doses,
    double ReferenceDoseMg,
    IReadOnlyDictionary<string, double> Clearance,
    double EfficacyIntercept,
    IReadOnlyList<double> SideEffectIntercepts,
    IReadOnlyDictionary<string, double> RashRiskAlleles);

/// <summary>The simulator's drug table and allele frequencies (every supported drug of the knowledge base has a row).</summary>
public static class SimulatedDrugProfiles
{
    /// <summary>How strongly each side effect follows log exposure (same order as <see cref="MedicationPlanValidator.KnownSideEffects"/>).</summary>
    public static IReadOnlyList<double> ExposureSensitivity { get; } =
        // nausea insomnia sedation sexual weight headache dizzy drymouth agitation constip sweating tremor rash qt hypoNa
        [0.8, 0.6, 0.8, 0.4, 0.3, 0.4, 0.8, 0.7, 0.6, 0.6, 0.6, 0.8, 0.0, 1.0, 0.5];

    private static readonly double[] Ssri = [-1.3, -1.8, -2.4, -1.5, -2.6, -2.0, -2.4, -2.6, -2.6, -3.0, -2.4, -3.0, -4.5, -4.5, -4.0];
    private static readonly double[] Snri = [-1.1, -1.8, -2.4, -1.6, -3.0, -2.0, -2.0, -2.2, -2.6, -2.5, -1.8, -3.0, -4.5, -4.2, -4.0];
    private static readonly double[] Tca = [-2.4, -3.0, -1.0, -2.2, -1.6, -2.6, -1.6, -0.8, -3.2, -1.3, -2.0, -2.6, -4.5, -3.0, -4.2];
    private static readonly double[] Nri = [-1.4, -1.6, -2.2, -2.6, -4.0, -1.8, -2.4, -1.6, -2.4, -2.6, -2.6, -3.4, -4.8, -4.5, -5.0];
    private static readonly double[] Anticonvulsant = [-1.6, -3.2, -1.3, -3.0, -2.6, -2.2, -1.1, -3.0, -3.4, -2.8, -3.6, -2.6, -3.2, -5.0, -2.8];

    private static readonly Dictionary<string, double> None = [];

    /// <summary>Rough European-ancestry haplotype frequencies (PharmGKB/CPIC frequency tables, rounded); each gene sums to 1.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(string Allele, double Frequency)>> AlleleFrequencies { get; } =
        new Dictionary<string, IReadOnlyList<(string, double)>>(StringComparer.Ordinal)
        {
            ["CYP2D6"] =
            [
                ("*1", 0.365), ("*2", 0.26), ("*4", 0.185), ("*41", 0.09), ("*5", 0.03), ("*9", 0.02), ("*10", 0.02),
                ("*3", 0.01), ("*6", 0.01), ("*1x2", 0.005), ("*2x2", 0.005),
            ],
            ["CYP2C19"] = [("*1", 0.625), ("*17", 0.225), ("*2", 0.145), ("*3", 0.005)],
            ["CYP2B6"] = [("*1", 0.60), ("*6", 0.25), ("*5", 0.10), ("*4", 0.04), ("*18", 0.01)],
        };

    /// <summary>
    /// Carrier probabilities of the HLA risk alleles. HLA-A*31:01 is roughly European (about 6% carriers); HLA-B*15:02
    /// is deliberately enriched to 4% (European carriers are well under 1%; parts of South-East Asia reach 10–15%) so
    /// that the carbamazepine rash signal appears often enough to be learnable.
    /// </summary>
    public static IReadOnlyDictionary<string, double> CarrierFrequencies { get; } =
        new Dictionary<string, double>(StringComparer.Ordinal) { ["HLA-B*15:02"] = 0.04, ["HLA-A*31:01"] = 0.06 };

    /// <summary>Relative enzyme activity of a CYP2C19 / CYP2B6 phenotype (normal = 1); CYP2D6 uses activity score / 2.</summary>
    public static double RelativeActivity(string gene, MetabolizerPhenotype phenotype) => (gene, phenotype) switch
    {
        ("CYP2C19", MetabolizerPhenotype.UltrarapidMetabolizer) => 1.8,
        ("CYP2C19", MetabolizerPhenotype.RapidMetabolizer) => 1.4,
        ("CYP2B6", MetabolizerPhenotype.UltrarapidMetabolizer) => 1.6,
        ("CYP2B6", MetabolizerPhenotype.RapidMetabolizer) => 1.3,
        (_, MetabolizerPhenotype.UltrarapidMetabolizer) => 1.6,
        (_, MetabolizerPhenotype.RapidMetabolizer) => 1.3,
        (_, MetabolizerPhenotype.IntermediateMetabolizer or MetabolizerPhenotype.LikelyIntermediateMetabolizer) => 0.6,
        ("CYP2C19", MetabolizerPhenotype.PoorMetabolizer or MetabolizerPhenotype.LikelyPoorMetabolizer) => 0.15,
        (_, MetabolizerPhenotype.PoorMetabolizer or MetabolizerPhenotype.LikelyPoorMetabolizer) => 0.25,
        _ => 1.0, // normal, indeterminate
    };

    public static IReadOnlyList<SimulatedDrugProfile> All { get; } =
    [
        Profile("amitriptyline", SimulatedDrugClass.Tca, [25, 50, 75, 100, 150], 75, Tca2D6And2C19, 0.10, Tca),
        Profile("carbamazepine", SimulatedDrugClass.Anticonvulsant, [200, 400, 600, 800], 400, None, 0.20, Anticonvulsant)
            with { RashRiskAlleles = new Dictionary<string, double> { ["HLA-B*15:02"] = 3.0, ["HLA-A*31:01"] = 2.0 } },
        Profile("citalopram", SimulatedDrugClass.Ssri, [10, 20, 40], 20, new() { ["CYP2C19"] = 0.6 }, 0.20, Ssri, ("qt_prolongation", -3.4)),
        Profile("clomipramine", SimulatedDrugClass.Tca, [50, 100, 150], 100, Tca2D6And2C19, 0.15, Tca, ("sweating", -1.6)),
        Profile("desipramine", SimulatedDrugClass.Tca, [50, 100, 150], 100, new() { ["CYP2D6"] = 0.8 }, 0.05, Tca, ("sedation", -1.8), ("dry_mouth", -1.2)),
        Profile("doxepin", SimulatedDrugClass.Tca, [25, 75, 150], 75, Tca2D6And2C19, 0.05, Tca, ("sedation", -0.6)),
        Profile("escitalopram", SimulatedDrugClass.Ssri, [5, 10, 20], 10, new() { ["CYP2C19"] = 0.6 }, 0.25, Ssri, ("qt_prolongation", -3.9)),
        Profile("fluvoxamine", SimulatedDrugClass.Ssri, [50, 100, 150, 200], 100, new() { ["CYP2D6"] = 0.6 }, 0.10, Ssri, ("nausea", -1.0), ("sedation", -2.0)),
        Profile("imipramine", SimulatedDrugClass.Tca, [50, 100, 150], 100, Tca2D6And2C19, 0.10, Tca),
        Profile("nortriptyline", SimulatedDrugClass.Tca, [25, 50, 75, 100], 75, new() { ["CYP2D6"] = 0.8 }, 0.05, Tca, ("sedation", -1.8), ("dry_mouth", -1.2)),
        Profile("oxcarbazepine", SimulatedDrugClass.Anticonvulsant, [300, 600, 900, 1200], 600, None, 0.15, Anticonvulsant, ("hyponatremia", -2.0), ("rash", -3.6))
            with { RashRiskAlleles = new Dictionary<string, double> { ["HLA-B*15:02"] = 2.5 } },
        Profile("paroxetine", SimulatedDrugClass.Ssri, [10, 20, 30, 40], 20, new() { ["CYP2D6"] = 0.8 }, 0.15, Ssri,
            ("sexual_dysfunction", -1.1), ("weight_gain", -2.0), ("sedation", -2.0)),
        Profile("sertraline", SimulatedDrugClass.Ssri, [50, 100, 150, 200], 100, new() { ["CYP2C19"] = 0.45, ["CYP2B6"] = 0.25 }, 0.25, Ssri, ("nausea", -1.1)),
        Profile("trimipramine", SimulatedDrugClass.Tca, [50, 100, 150], 100, Tca2D6And2C19, 0.0, Tca, ("sedation", -0.7)),
        Profile("venlafaxine", SimulatedDrugClass.Snri, [75, 150, 225], 150, new() { ["CYP2D6"] = 0.5 }, 0.25, Snri),
        Profile("vortioxetine", SimulatedDrugClass.Ssri, [5, 10, 20], 10, new() { ["CYP2D6"] = 0.7 }, 0.15, Ssri, ("nausea", -0.9), ("sexual_dysfunction", -2.5)),
        Profile("atomoxetine", SimulatedDrugClass.Nri, [40, 60, 80, 100], 80, new() { ["CYP2D6"] = 0.9 }, 0.30, Nri),
    ];

    private static readonly Dictionary<string, SimulatedDrugProfile> ByName = All.ToDictionary(p => p.Drug, StringComparer.Ordinal);

    private static Dictionary<string, double> Tca2D6And2C19 => new() { ["CYP2D6"] = 0.45, ["CYP2C19"] = 0.35 };

    public static bool TryGet(string? drug, out SimulatedDrugProfile profile)
    {
        if (drug is not null && ByName.TryGetValue(DrugCatalogue.Normalize(drug), out var found)) { profile = found; return true; }
        profile = null!;
        return false;
    }

    public static SimulatedDrugProfile Get(string drug) =>
        TryGet(drug, out var p) ? p : throw new KeyNotFoundException($"the outcome simulator has no profile for '{drug}'");

    private static SimulatedDrugProfile Profile(
        string drug, SimulatedDrugClass drugClass, double[] doses, double reference, Dictionary<string, double> clearance,
        double efficacy, double[] classSideEffects, params (string SideEffect, double LogOdds)[] overrides)
    {
        var intercepts = (double[])classSideEffects.Clone();
        foreach (var (effect, logOdds) in overrides)
        {
            var index = IndexOf(effect);
            intercepts[index] = logOdds;
        }
        return new SimulatedDrugProfile(drug, drugClass, doses, reference, clearance, efficacy, intercepts, None);
    }

    internal static int IndexOf(string sideEffect)
    {
        for (var i = 0; i < MedicationPlanValidator.KnownSideEffects.Count; i++)
            if (MedicationPlanValidator.KnownSideEffects[i] == sideEffect) return i;
        throw new ArgumentException($"unknown side effect '{sideEffect}'", nameof(sideEffect));
    }
}
