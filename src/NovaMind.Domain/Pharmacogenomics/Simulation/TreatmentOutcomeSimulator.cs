namespace NovaMind.Domain.Pharmacogenomics.Simulation;

/// <summary>A patient's hidden traits: what the outcome model uses but a clinician (and the ML model) never sees directly.</summary>
/// <param name="Adherence">Mean fraction of doses taken (0..1); each treatment varies around it.</param>
/// <param name="Responsiveness">Log-odds added to every treatment's response.</param>
/// <param name="ClassResponsiveness">Log-odds added for drugs of one class.</param>
/// <param name="Sensitivity">Log-odds added to every side effect.</param>
public sealed record SimulatedPatientTraits(
    double Adherence, double Responsiveness, IReadOnlyDictionary<SimulatedDrugClass, double> ClassResponsiveness, double Sensitivity);

/// <summary>The outcome model's probabilities for one treatment.</summary>
/// <param name="Exposure">Relative drug exposure X = (dose / reference dose) · adherence / clearance.</param>
/// <param name="Clearance">Relative clearance (normal metabolizer = 1).</param>
/// <param name="SideEffects">Probability of each side effect, in <see cref="MedicationPlanValidator.KnownSideEffects"/> order.</param>
public sealed record TreatmentOutcomeProbabilities(double Response, IReadOnlyList<double> SideEffects, double Exposure, double Clearance);

/// <summary>One simulated treatment with its drawn outcome and the probabilities it was drawn from.</summary>
/// <param name="PriorFailures">Earlier treatments of this patient without response (None or Partial).</param>
public sealed record SimulatedTreatment(
    string Drug,
    double DoseMg,
    double Adherence,
    DateOnly Start,
    DateOnly End,
    int PriorFailures,
    bool Responded,
    TreatmentResponse Response,
    IReadOnlyList<string> SideEffects,
    TreatmentOutcomeProbabilities Probabilities)
{
    public PastTreatment ToPastTreatment() => new(Drug, DoseMg, Start, End, Response, SideEffects);
}

/// <summary>
/// A synthetic patient: the true genotype (which drives outcomes), the genotype on file (null when not genotyped, or a
/// partial panel), co-medications (possibly a CYP2D6 inhibitor), hidden traits, and a treatment history in date order.
/// </summary>
public sealed record SimulatedPgxPatient(
    int Index,
    Genotype TrueGenotype,
    Genotype? ReportedGenotype,
    IReadOnlyList<string> CoMedications,
    SimulatedPatientTraits Traits,
    IReadOnlyList<SimulatedTreatment> Treatments);

/// <summary>
/// Deterministic synthetic treatment outcomes for pharmacogenomic model training (no real patient data). Response and
/// each side effect follow documented logistic models (docs/pgx-outcome-simulator.md) of the drug's exposure — which
/// depends on dose, adherence and the phenotype of the enzymes that clear it — prior treatment failures, hidden
/// patient traits and, for carbamazepine/oxcarbazepine, HLA risk-allele carriage. Phenotypes come from the knowledge
/// base (<see cref="PhenotypeCalculator"/>, CYP2D6 after <see cref="Phenoconversion"/> by co-medications).
/// Seeded per patient from seed and index only (never <see cref="HashCode"/>, which .NET randomises per process).
/// </summary>
public sealed class TreatmentOutcomeSimulator
{
    /// <summary>Log-odds of response per unit of log exposure (below the cap).</summary>
    public const double EfficacyPerLogExposure = 1.2;
    /// <summary>Log exposure above this adds no efficacy (saturation).</summary>
    public const double EfficacyExposureCap = 0.25;
    /// <summary>Above this log exposure, intolerance (dropping out, under-dosing) costs efficacy: an inverted U.</summary>
    public const double IntoleranceThreshold = 0.7;
    /// <summary>Log-odds of response lost per unit of log exposure above <see cref="IntoleranceThreshold"/>.</summary>
    public const double IntolerancePerLogExposure = 0.6;
    /// <summary>Log-odds of response lost per earlier treatment failure.</summary>
    public const double PriorFailurePenalty = 0.35;
    /// <summary>Probability that a patient takes one CYP2D6 inhibitor throughout.</summary>
    public const double InhibitorCoMedicationRate = 0.12;
    /// <summary>Share of patients genotyped with the full panel, with CYP2D6 + CYP2C19 only, and not at all (the rest).</summary>
    public const double FullPanelRate = 0.75, PartialPanelRate = 0.10;

    private static readonly DateOnly HistoryEpoch = new(2018, 1, 1);
    private static readonly double[] TreatmentCountWeights = [0.25, 0.25, 0.20, 0.15, 0.10, 0.05]; // 1..6 treatments
    private static readonly string[] PartialPanel = ["CYP2C19", "CYP2D6"];

    private readonly int _seed;
    private readonly PhenotypeCalculator _phenotypes;
    private readonly Phenoconversion _phenoconversion;
    private readonly IReadOnlyList<SimulatedDrugProfile> _drugs;
    private readonly IReadOnlyList<string> _inhibitors;

    public TreatmentOutcomeSimulator(int seed, PgxKnowledgeBase? knowledgeBase = null)
    {
        _seed = seed;
        KnowledgeBase = knowledgeBase ?? PgxKnowledgeBase.Default;
        _phenotypes = new PhenotypeCalculator(KnowledgeBase);
        _phenoconversion = new Phenoconversion(KnowledgeBase);
        _drugs = KnowledgeBase.Drugs.SupportedDrugs.Select(SimulatedDrugProfiles.Get).ToList();
        _inhibitors = KnowledgeBase.Inhibitors.Where(i => i.Gene == "CYP2D6").Select(i => i.Drug).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public PgxKnowledgeBase KnowledgeBase { get; }

    /// <summary>The drugs treatments are drawn from: the knowledge base's supported drugs.</summary>
    public IReadOnlyList<string> Drugs => _drugs.Select(d => d.Drug).ToList();

    /// <summary>Patients <paramref name="firstIndex"/> .. firstIndex + count − 1 (the same index always gives the same patient).</summary>
    public IReadOnlyList<SimulatedPgxPatient> Simulate(int count, int firstIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var patients = new List<SimulatedPgxPatient>(count);
        for (var i = 0; i < count; i++) patients.Add(SimulatePatient(firstIndex + i));
        return patients;
    }

    public SimulatedPgxPatient SimulatePatient(int index)
    {
        var rng = PatientRandom(index);
        var genotype = SampleGenotype(rng);
        var panel = rng.NextDouble();
        var reported = panel < FullPanelRate ? genotype
            : panel < FullPanelRate + PartialPanelRate ? Subset(genotype, PartialPanel)
            : null;
        var coMedications = rng.NextDouble() < InhibitorCoMedicationRate ? new[] { _inhibitors[rng.Next(_inhibitors.Count)] } : [];
        var traits = new SimulatedPatientTraits(
            Adherence: Math.Clamp(0.55 + 0.45 * Beta52(rng), 0.3, 1.0),
            Responsiveness: Normal(rng, 0.7),
            ClassResponsiveness: Enum.GetValues<SimulatedDrugClass>().ToDictionary(c => c, _ => Normal(rng, 0.6)),
            Sensitivity: Normal(rng, 0.5));
        var patient = new SimulatedPgxPatient(index, genotype, reported, coMedications, traits, []);

        var count = 1 + Pick(rng, TreatmentCountWeights);
        var candidates = _drugs.Where(d => !coMedications.Contains(d.Drug)).ToList();
        var treatments = new List<SimulatedTreatment>(count);
        var start = HistoryEpoch.AddDays(rng.Next(0, 1000));
        var failures = 0;
        for (var t = 0; t < count && candidates.Count > 0; t++)
        {
            var profile = candidates[rng.Next(candidates.Count)];
            candidates.Remove(profile); // a patient does not retry a drug
            var dose = profile.Doses[rng.Next(profile.Doses.Count)];
            var adherence = Math.Clamp(traits.Adherence + Normal(rng, 0.1), 0.05, 1.0);
            var treatment = DrawTreatment(patient, profile.Drug, dose, adherence, failures, start, rng);
            treatments.Add(treatment);
            if (!treatment.Responded) failures++;
            start = treatment.End.AddDays(rng.Next(7, 57));
        }
        return patient with { Treatments = treatments };
    }

    /// <summary>
    /// The generative model's probabilities (no randomness): response and each side effect for <paramref name="drug"/>
    /// at <paramref name="doseMg"/> given the patient's true genotype, co-medications and hidden traits.
    /// </summary>
    public TreatmentOutcomeProbabilities Probabilities(SimulatedPgxPatient patient, string drug, double doseMg, double adherence, int priorFailures)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var profile = SimulatedDrugProfiles.Get(drug);
        if (!(doseMg > 0) || !double.IsFinite(doseMg)) throw new ArgumentOutOfRangeException(nameof(doseMg), "dose must be positive");
        adherence = Math.Clamp(adherence, 0.01, 1.0);

        var clearance = 1.0;
        foreach (var (gene, fraction) in profile.Clearance)
            clearance += fraction * (RelativeActivity(patient, gene, profile.Drug) - 1.0);
        var exposure = doseMg / profile.ReferenceDoseMg * adherence / clearance;
        var logExposure = Math.Log(exposure);

        var responseLogit = profile.EfficacyIntercept
                            + patient.Traits.Responsiveness
                            + patient.Traits.ClassResponsiveness[profile.Class]
                            + EfficacyPerLogExposure * Math.Clamp(logExposure, -2.5, EfficacyExposureCap)
                            - IntolerancePerLogExposure * Math.Max(0, logExposure - IntoleranceThreshold)
                            - PriorFailurePenalty * priorFailures;

        var sideEffects = new double[MedicationPlanValidator.KnownSideEffects.Count];
        var rash = SimulatedDrugProfiles.IndexOf("rash");
        for (var s = 0; s < sideEffects.Length; s++)
        {
            var logit = profile.SideEffectIntercepts[s] + patient.Traits.Sensitivity
                        + SimulatedDrugProfiles.ExposureSensitivity[s] * Math.Clamp(logExposure, -2.0, 2.5);
            if (s == rash)
                foreach (var (allele, logOdds) in profile.RashRiskAlleles)
                    if (patient.TrueGenotype.TryGet(allele, out var result) && result.IsCarrier == true) logit += logOdds;
            sideEffects[s] = Sigmoid(logit);
        }
        return new TreatmentOutcomeProbabilities(Sigmoid(responseLogit), sideEffects, exposure, clearance);
    }

    /// <summary>Draws one treatment's outcome, duration and side effects from <see cref="Probabilities"/>.</summary>
    public SimulatedTreatment DrawTreatment(
        SimulatedPgxPatient patient, string drug, double doseMg, double adherence, int priorFailures, DateOnly start, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var p = Probabilities(patient, drug, doseMg, adherence, priorFailures);
        var responded = rng.NextDouble() < p.Response;
        var response = responded
            ? (rng.NextDouble() < 0.45 ? TreatmentResponse.Remission : TreatmentResponse.Response)
            : (rng.NextDouble() < 0.45 ? TreatmentResponse.Partial : TreatmentResponse.None);
        var effects = new List<string>();
        for (var s = 0; s < p.SideEffects.Count; s++)
            if (rng.NextDouble() < p.SideEffects[s]) effects.Add(MedicationPlanValidator.KnownSideEffects[s]);
        var weeks = responded ? 16 + 36 * rng.NextDouble() : 4 + 8 * rng.NextDouble();
        var days = Math.Max(14, (int)Math.Round(7 * weeks / (1 + 0.25 * effects.Count)));
        return new SimulatedTreatment(
            SimulatedDrugProfiles.Get(drug).Drug, doseMg, adherence, start, start.AddDays(days), priorFailures, responded, response, effects, p);
    }

    /// <summary>Relative activity of a gene's enzyme for this patient (CYP2D6: activity score after phenoconversion / 2).</summary>
    public double RelativeActivity(SimulatedPgxPatient patient, string gene, string prescribedDrug)
    {
        ArgumentNullException.ThrowIfNull(patient);
        if (!patient.TrueGenotype.TryGet(gene, out var result)) return 1.0;
        var phenotype = _phenotypes.Phenotype(result);
        if (gene == "CYP2D6")
        {
            var effective = _phenoconversion.Apply(phenotype, patient.CoMedications, prescribedDrug).Phenotype;
            return effective.ActivityScore is { } score ? (double)score / 2.0 : 1.0;
        }
        return SimulatedDrugProfiles.RelativeActivity(gene, phenotype.Phenotype);
    }

    private Genotype SampleGenotype(Random rng)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (gene, table) in SimulatedDrugProfiles.AlleleFrequencies.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var weights = table.Select(a => a.Frequency).ToArray();
            values[gene] = $"{table[Pick(rng, weights)].Allele}/{table[Pick(rng, weights)].Allele}";
        }
        foreach (var (allele, carriers) in SimulatedDrugProfiles.CarrierFrequencies.OrderBy(p => p.Key, StringComparer.Ordinal))
            values[allele] = rng.NextDouble() < carriers ? "positive" : "negative";
        var parsed = Genotype.Parse(values, KnowledgeBase);
        return parsed.Genotype ?? throw new InvalidOperationException(
            "the simulator's allele table does not parse: " + string.Join("; ", parsed.Errors.Select(e => e.Message)));
    }

    private Genotype Subset(Genotype genotype, IReadOnlyList<string> genes) =>
        Genotype.Parse(genotype.ToDictionary().Where(p => genes.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value), KnowledgeBase).Genotype!;

    private Random PatientRandom(int index) => new(unchecked(_seed * 1_000_003 + index * 7919 + 101));

    private static int Pick(Random rng, IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var u = rng.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Count - 1;
    }

    /// <summary>A Beta(5, 2) draw from two gamma draws with integer shape (sums of exponentials).</summary>
    private static double Beta52(Random rng)
    {
        static double Gamma(Random r, int shape)
        {
            var sum = 0.0;
            for (var i = 0; i < shape; i++) sum -= Math.Log(1.0 - r.NextDouble());
            return sum;
        }
        var a = Gamma(rng, 5);
        return a / (a + Gamma(rng, 2));
    }

    private static double Normal(Random rng, double sd)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
}
