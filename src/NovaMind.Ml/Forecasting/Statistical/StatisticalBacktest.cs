using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>Mean absolute error per horizon of one predictor on one symptom, over the origins where the actual day was observed.</summary>
public sealed record BacktestRow(string Symptom, string Predictor, double[] MaeByHorizon, int Origins)
{
    public double MeanMae => MaeByHorizon.Where(double.IsFinite).Average();
}

/// <summary>A patient as the backtest sees it: emitted values by type and day (NaN where missing), the observations, medication starts.</summary>
public sealed record BacktestPatient(int Index, DateOnly FirstDay, int Days, IReadOnlyDictionary<ObservationType, double[]> Daily,
    IReadOnlyList<Observation> Observations, IReadOnlyList<DateOnly>? MedicationStarts);

/// <summary>
/// Rolling-origin evaluation of the per-patient statistical members on a simulated cohort: at each origin (a day the
/// symptom was observed) every model is fitted on the patient's own days up to it (nothing else) and forecasts horizons
/// 1..H, next to last value and weekly seasonal naive, and optionally further predictors — the simulator's oracle where
/// one exists, the served ensemble — on the same origins.
/// </summary>
public static class StatisticalBacktest
{
    public static readonly string[] Predictors = ["auto_ets", "sarima_100_100_7", "seasonal_naive", "last_value"];

    /// <summary>A further predictor's forecast at an origin, or null where it does not forecast (e.g. too little history).</summary>
    public delegate double[]? ExtraPredictor(BacktestPatient patient, ObservationType symptom, int originDay, int horizon);

    public static IReadOnlyList<BacktestPatient> Patients(SymptomCohort cohort) =>
        [.. cohort.Patients.Select(p => new BacktestPatient(p.Index, p.FirstDay, p.Days, p.Daily, p.Observations, ForecastEnsembleTrainer.MedicationStarts(p)))];

    public static IReadOnlyList<BacktestPatient> Patients(IEnumerable<RegimeSimulatedPatient> cohort) =>
        [.. cohort.Select(p => new BacktestPatient(p.Index, p.FirstDay, p.Days, p.Daily, p.Observations, null))];

    /// <summary>The simulator's oracle forecast (the true model and parameters, Kalman-filtered to the origin).</summary>
    public static ExtraPredictor Oracle(SymptomCohort cohort) => (p, symptom, t, h) => cohort.OracleForecast(p.Index, p.FirstDay.AddDays(t), symptom, h).Mean;

    /// <param name="extra">Further predictors by name; origins where one of them declines are skipped for all.</param>
    public static IReadOnlyList<BacktestRow> Run(IReadOnlyList<BacktestPatient> patients, int horizon, int firstOrigin, int originEvery,
        IProgress<string>? progress = null, IReadOnlyDictionary<string, ExtraPredictor>? extra = null)
    {
        extra ??= new Dictionary<string, ExtraPredictor>();
        var names = extra.Keys.Concat(Predictors).ToArray();
        var rows = new List<BacktestRow>();
        foreach (var symptom in new[] { ObservationType.Mood, ObservationType.Phq9, ObservationType.Gad7 })
        {
            var sums = names.ToDictionary(p => p, _ => new double[horizon]);
            var counts = new int[horizon];
            var origins = 0;
            foreach (var patient in patients)
            {
                var series = patient.Daily[symptom];
                for (var t = firstOrigin; t + 1 < patient.Days; t += originEvery)
                {
                    var history = series.Take(t + 1).ToArray();
                    if (history.Count(v => !double.IsNaN(v)) < 28 || double.IsNaN(series[t])) continue;
                    var others = extra.ToDictionary(e => e.Key, e => e.Value(patient, symptom, t, horizon));
                    if (others.Values.Any(f => f is null)) continue;
                    var forecasts = new Dictionary<string, double[]>
                    {
                        ["auto_ets"] = ExponentialSmoothing.FitBest(history).Forecast(horizon).Mean,
                        ["sarima_100_100_7"] = SeasonalArima.Fit(new SarimaSpec(1, 0, 1, 0), history).Forecast(horizon).Mean,
                        ["seasonal_naive"] = [.. Enumerable.Range(1, horizon).Select(h => ForecastEnsembleMath.SeasonalNaive(series, t, h))],
                        ["last_value"] = [.. Enumerable.Repeat(ForecastEnsembleMath.LastObserved(series, t), horizon)],
                    };
                    foreach (var (name, f) in others) forecasts[name] = f!;
                    origins++;
                    for (var h = 1; h <= horizon && t + h < patient.Days; h++)
                    {
                        var actual = series[t + h];
                        if (double.IsNaN(actual)) continue;
                        counts[h - 1]++;
                        foreach (var p in names) sums[p][h - 1] += Math.Abs(forecasts[p][h - 1] - actual);
                    }
                }
            }
            progress?.Report($"{symptom.Name}: {origins} origins");
            rows.AddRange(names.Select(p => new BacktestRow(symptom.Name, p,
                [.. sums[p].Select((s, h) => counts[h] == 0 ? double.NaN : s / counts[h])], origins)));
        }
        return rows;
    }
}
