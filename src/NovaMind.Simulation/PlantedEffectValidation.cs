using NovaMind.Domain.Correlation;
using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>
/// What <see cref="LagCorrelationEngine"/> found on planted-effect patients, for one method.
/// <see cref="PlantedFirstFraction"/>: share of patients whose planted (biometric, symptom, lag) is the top row (largest
/// |coefficient|) of the report. <see cref="NullSignificantFraction"/>: share of all tests of non-planted triples with
/// q &lt; alpha (each patient's tests form one Benjamini–Hochberg family, as the engine computes them).
/// </summary>
public sealed record PlantedEffectValidationResult(
    CorrelationMethod Method,
    int Patients,
    int Days,
    int MaxLag,
    double Correlation,
    int TestsPerPatient,
    int PlantedRankedFirst,
    double PlantedFirstFraction,
    int PlantedSignificant,
    double PlantedSignificantFraction,
    int NullTests,
    int NullSignificant,
    double NullSignificantFraction,
    int PatientsWithAnyNullSignificant,
    double MeanPlantedAbsCoefficient,
    double MeanLargestNullAbsCoefficient,
    double Alpha);

/// <summary>Runs the lag-correlation engine over <see cref="PlantedEffectSimulator"/> patients and scores it against the truth.</summary>
public static class PlantedEffectValidation
{
    public static PlantedEffectValidationResult Run(int patients, CorrelationMethod method, int seed, PlantedEffectOptions? options = null,
        int maxLag = 7, double alpha = 0.05)
    {
        if (method == CorrelationMethod.Both) throw new ArgumentException("score one method at a time", nameof(method));
        var simulator = new PlantedEffectSimulator(seed, options);
        var o = simulator.Options;
        var lastDay = new DateOnly(2026, 6, 30);
        var request = new LagCorrelationRequest
        {
            LookbackDays = o.Days, MaxLag = maxLag, Method = method, End = lastDay,
            Biometrics = PlantedEffectOptions.Biometrics, Symptoms = o.Symptoms,
        };
        int first = 0, plantedSignificant = 0, nullTests = 0, nullSignificant = 0, patientsWithNull = 0, testsPerPatient = 0;
        double plantedAbs = 0, largestNullAbs = 0;
        for (var p = 0; p < patients; p++)
        {
            var patient = simulator.SimulatePatient(p, lastDay);
            var report = LagCorrelationEngine.Analyze((IReadOnlyCollection<Observation>)patient.Observations, request);
            testsPerPatient = report.TestCount;
            var e = patient.Effect;
            bool IsPlanted(LagCorrelation c) => c.BiometricType == e.Biometric && c.SymptomType == e.Symptom && c.LagDays == e.LagDays;
            if (report.Correlations.Count > 0 && IsPlanted(report.Correlations[0])) first++;
            var anyNull = false;
            var largest = 0.0;
            foreach (var c in report.Correlations)
            {
                if (IsPlanted(c))
                {
                    plantedAbs += Math.Abs(c.Coefficient);
                    if (c.QValue < alpha) plantedSignificant++;
                    continue;
                }
                nullTests++;
                largest = Math.Max(largest, Math.Abs(c.Coefficient));
                if (c.QValue < alpha) { nullSignificant++; anyNull = true; }
            }
            largestNullAbs += largest;
            if (anyNull) patientsWithNull++;
        }
        return new PlantedEffectValidationResult(method, patients, o.Days, maxLag, o.Correlation, testsPerPatient,
            first, (double)first / patients, plantedSignificant, (double)plantedSignificant / patients,
            nullTests, nullSignificant, nullTests == 0 ? 0 : (double)nullSignificant / nullTests, patientsWithNull,
            plantedAbs / patients, largestNullAbs / patients, alpha);
    }
}
