using NovaMind.Domain.Pharmacogenomics;
using NovaMind.Domain.Pharmacogenomics.Simulation;

namespace NovaMind.Domain.Tests.Pharmacogenomics;

public class TreatmentOutcomeSimulatorTests
{
    private static readonly Lazy<IReadOnlyList<SimulatedPgxPatient>> Cohort = new(() => new TreatmentOutcomeSimulator(7).Simulate(20_000));

    [Fact]
    public void SameSeed_GivesTheSamePatients_AnotherSeedDoesNot()
    {
        var a = new TreatmentOutcomeSimulator(42).Simulate(50);
        var b = new TreatmentOutcomeSimulator(42).Simulate(50);
        var c = new TreatmentOutcomeSimulator(43).Simulate(50);
        Assert.Equal(a.Select(Describe), b.Select(Describe));
        Assert.NotEqual(a.Select(Describe), c.Select(Describe));
        // A patient depends on seed and index only, not on how many were simulated before it.
        Assert.Equal(Describe(a[30]), Describe(new TreatmentOutcomeSimulator(42).SimulatePatient(30)));
    }

    [Fact]
    public void EverySupportedDrug_HasAProfile_AndEveryProfileIsASupportedDrug()
    {
        var supported = PgxKnowledgeBase.Default.Drugs.SupportedDrugs;
        Assert.All(supported, d => Assert.True(SimulatedDrugProfiles.TryGet(d, out _), $"no profile for {d}"));
        Assert.All(SimulatedDrugProfiles.All, p => Assert.Contains(p.Drug, supported));
        Assert.All(SimulatedDrugProfiles.All, p => Assert.Equal(MedicationPlanValidator.KnownSideEffects.Count, p.SideEffectIntercepts.Count));
        foreach (var (gene, table) in SimulatedDrugProfiles.AlleleFrequencies)
            Assert.Equal(1.0, table.Sum(a => a.Frequency), 6);
    }

    [Fact]
    public void Histories_AreValidMedicationPlans()
    {
        var catalogue = PgxKnowledgeBase.Default.Drugs;
        foreach (var patient in Cohort.Value.Take(500))
        {
            Assert.InRange(patient.Treatments.Count, 1, 6);
            Assert.Equal(patient.Treatments.Count, patient.Treatments.Select(t => t.Drug).Distinct().Count());
            for (var i = 0; i < patient.Treatments.Count; i++)
            {
                var t = patient.Treatments[i];
                Assert.True(catalogue.IsSupported(t.Drug));
                Assert.True(t.End > t.Start);
                Assert.InRange(t.Adherence, 0.05, 1.0);
                Assert.All(t.SideEffects, e => Assert.Contains(e, MedicationPlanValidator.KnownSideEffects));
                Assert.Equal(patient.Treatments.Take(i).Count(p => !p.Responded), t.PriorFailures);
                if (i > 0) Assert.True(t.Start > patient.Treatments[i - 1].End);
                Assert.Equal(t.Responded, t.Response is TreatmentResponse.Response or TreatmentResponse.Remission);
            }
        }
    }

    [Fact]
    public void AlleleAndPanelFrequencies_AreAsDocumented()
    {
        var patients = Cohort.Value;
        var cyp2c19 = patients.SelectMany(p => Alleles(p.TrueGenotype, "CYP2C19")).ToList();
        Assert.InRange(cyp2c19.Count(a => a == "*2") / (double)cyp2c19.Count, 0.13, 0.16);
        Assert.InRange(cyp2c19.Count(a => a == "*17") / (double)cyp2c19.Count, 0.21, 0.24);
        var cyp2d6 = patients.SelectMany(p => Alleles(p.TrueGenotype, "CYP2D6")).ToList();
        Assert.InRange(cyp2d6.Count(a => a == "*4") / (double)cyp2d6.Count, 0.17, 0.20);
        Assert.InRange(patients.Count(p => p.ReportedGenotype is null) / (double)patients.Count, 0.14, 0.16);
        Assert.InRange(patients.Count(p => p.CoMedications.Count > 0) / (double)patients.Count, 0.11, 0.13);
        Assert.InRange(patients.Count(p => p.TrueGenotype.TryGet("HLA-A*31:01", out var r) && r.IsCarrier == true) / (double)patients.Count, 0.05, 0.07);
        var partial = patients.Where(p => p.ReportedGenotype is { } g && !g.Has("CYP2B6")).ToList();
        Assert.NotEmpty(partial);
        Assert.All(partial, p => Assert.Equal(["CYP2C19", "CYP2D6"], p.ReportedGenotype!.Results.Select(r => r.Gene)));
    }

    [Fact]
    public void Cyp2C19PoorMetabolizers_OnCitalopram_HaveMoreSideEffects_ThanNormalMetabolizers()
    {
        var simulator = new TreatmentOutcomeSimulator(7);
        var rng = new Random(1);
        var byPhenotype = new Dictionary<MetabolizerPhenotype, (int Patients, int SideEffects)>();
        foreach (var patient in Cohort.Value)
        {
            var phenotype = PhenotypeCalculator.Default.Phenotype(patient.TrueGenotype.Results.Single(r => r.Gene == "CYP2C19")).Phenotype;
            var treatment = simulator.DrawTreatment(patient, "citalopram", 20, 1.0, 0, new DateOnly(2026, 1, 1), rng);
            var (n, effects) = byPhenotype.GetValueOrDefault(phenotype);
            byPhenotype[phenotype] = (n + 1, effects + treatment.SideEffects.Count);
        }
        double Rate(MetabolizerPhenotype p) => byPhenotype[p].SideEffects / (double)byPhenotype[p].Patients;
        Assert.True(byPhenotype[MetabolizerPhenotype.PoorMetabolizer].Patients > 200);
        Assert.True(Rate(MetabolizerPhenotype.PoorMetabolizer) > 1.3 * Rate(MetabolizerPhenotype.NormalMetabolizer),
            $"PM {Rate(MetabolizerPhenotype.PoorMetabolizer):F3} vs NM {Rate(MetabolizerPhenotype.NormalMetabolizer):F3} side effects per treatment");
        Assert.True(Rate(MetabolizerPhenotype.UltrarapidMetabolizer) < Rate(MetabolizerPhenotype.NormalMetabolizer));
    }

    [Fact]
    public void Cyp2D6Ultrarapid_OnNortriptyline_RespondLess_AndPoorMetabolizersGetMoreSideEffects()
    {
        var simulator = new TreatmentOutcomeSimulator(7);
        var groups = Cohort.Value
            .Where(p => p.CoMedications.Count == 0)
            .GroupBy(p => PhenotypeCalculator.Default.Phenotype(p.TrueGenotype.Results.Single(r => r.Gene == "CYP2D6")).Phenotype)
            .ToDictionary(g => g.Key, g => g.Select(p => simulator.Probabilities(p, "nortriptyline", 75, 1.0, 0)).ToList());
        double Response(MetabolizerPhenotype p) => groups[p].Average(x => x.Response);
        double SideEffects(MetabolizerPhenotype p) => groups[p].Average(x => x.SideEffects.Sum());
        Assert.True(Response(MetabolizerPhenotype.UltrarapidMetabolizer) < Response(MetabolizerPhenotype.NormalMetabolizer) - 0.05);
        Assert.True(SideEffects(MetabolizerPhenotype.PoorMetabolizer) > 1.5 * SideEffects(MetabolizerPhenotype.NormalMetabolizer));
    }

    [Fact]
    public void CYP2D6Inhibitor_PhenoconvertsExposure()
    {
        var simulator = new TreatmentOutcomeSimulator(7);
        var patient = Cohort.Value.First(p => p.CoMedications.Count == 0 &&
                                              PhenotypeCalculator.Default.Phenotype(p.TrueGenotype.Results.Single(r => r.Gene == "CYP2D6")).Phenotype == MetabolizerPhenotype.NormalMetabolizer);
        var withFluoxetine = patient with { CoMedications = ["fluoxetine"] };
        Assert.True(simulator.Probabilities(withFluoxetine, "paroxetine", 20, 1, 0).Exposure > 3 * simulator.Probabilities(patient, "paroxetine", 20, 1, 0).Exposure);
        // Citalopram is not cleared by CYP2D6 in the simulator: no change.
        Assert.Equal(simulator.Probabilities(patient, "citalopram", 20, 1, 0).Exposure, simulator.Probabilities(withFluoxetine, "citalopram", 20, 1, 0).Exposure);
    }

    [Fact]
    public void HlaB1502Carriers_OnCarbamazepine_GetRash_MuchMoreOften()
    {
        var simulator = new TreatmentOutcomeSimulator(7);
        var rash = SimulatedDrugProfilesRashIndex();
        var carriers = Cohort.Value.Where(p => p.TrueGenotype.TryGet("HLA-B*15:02", out var r) && r.IsCarrier == true).ToList();
        var nonCarriers = Cohort.Value.Where(p => p.TrueGenotype.TryGet("HLA-B*15:02", out var r) && r.IsCarrier == false
                                                  && p.TrueGenotype.TryGet("HLA-A*31:01", out var a) && a.IsCarrier == false).ToList();
        Assert.True(carriers.Count > 200);
        var carrierRash = carriers.Average(p => simulator.Probabilities(p, "carbamazepine", 400, 1, 0).SideEffects[rash]);
        var otherRash = nonCarriers.Average(p => simulator.Probabilities(p, "carbamazepine", 400, 1, 0).SideEffects[rash]);
        Assert.True(carrierRash > 5 * otherRash, $"carriers {carrierRash:F3}, non-carriers {otherRash:F3}");
        // The allele does not matter for a drug without that risk.
        Assert.Equal(
            carriers.Average(p => simulator.Probabilities(p, "sertraline", 100, 1, 0).SideEffects[rash]),
            carriers.Average(p => simulator.Probabilities(p with { TrueGenotype = nonCarriers[0].TrueGenotype }, "sertraline", 100, 1, 0).SideEffects[rash]), 2);
    }

    [Fact]
    public void DoseAndAdherence_RaiseResponse_AndEachPriorFailureLowersIt()
    {
        var simulator = new TreatmentOutcomeSimulator(7);
        var patient = Cohort.Value[3];
        double P(double dose, double adherence, int failures) => simulator.Probabilities(patient, "sertraline", dose, adherence, failures).Response;
        Assert.True(P(50, 1, 0) < P(100, 1, 0));
        Assert.True(P(100, 0.5, 0) < P(100, 0.9, 0));
        Assert.True(P(100, 1, 0) > P(100, 1, 1));
        Assert.True(P(100, 1, 1) > P(100, 1, 3));
        // Side effects rise with dose.
        Assert.True(simulator.Probabilities(patient, "sertraline", 200, 1, 0).SideEffects.Sum() > simulator.Probabilities(patient, "sertraline", 50, 1, 0).SideEffects.Sum());
    }

    [Fact]
    public void PastTreatments_ConvertToTheMedicationPlanRecord()
    {
        var t = Cohort.Value[0].Treatments[0];
        var past = t.ToPastTreatment();
        Assert.Equal((t.Drug, t.DoseMg, t.Start, t.End, t.Response), (past.Drug, past.DoseMg, past.Start, past.End, past.Response));
        Assert.Equal(t.SideEffects, past.SideEffects);
    }

    private static int SimulatedDrugProfilesRashIndex() => MedicationPlanValidator.KnownSideEffects.ToList().IndexOf("rash");

    private static IEnumerable<string> Alleles(Genotype genotype, string gene) =>
        genotype.Results.Single(r => r.Gene == gene).Diplotype!.Haplotypes.Select(h => h.Copies > 1 ? h.Text : h.Allele);

    private static string Describe(SimulatedPgxPatient p) =>
        string.Join(",", p.TrueGenotype.ToDictionary().Select(kv => kv.Key + "=" + kv.Value)) + "|" +
        (p.ReportedGenotype is null ? "none" : p.ReportedGenotype.Results.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "|" +
        string.Join(",", p.CoMedications) + "|" +
        string.Join(";", p.Treatments.Select(t => FormattableString.Invariant($"{t.Drug}:{t.DoseMg}:{t.Adherence:F6}:{t.Start}:{t.End}:{t.Response}:{string.Join("+", t.SideEffects)}")));
}
