using NovaMind.Domain.Observations;
using NovaMind.Simulation;

namespace NovaMind.Ml.Forecasting.Statistical;

/// <summary>
/// One predictor on one symptom: mean absolute error per horizon over the origins where the actual day was observed and,
/// for predictors with intervals, coverage of the 80 % and 95 % intervals per horizon and overall, and the 10th, 50th and
/// 90th percentiles of per-patient 80 % coverage (patients with at least <see cref="StatisticalBacktest.MinPatientPoints"/> scored days).
/// </summary>
public sealed record BacktestRow(string Symptom, string Predictor, double[] MaeByHorizon, int Origins,
    double[]? Coverage80ByHorizon = null, double[]? Coverage95ByHorizon = null, double? Coverage80 = null, double? Coverage95 = null,
    double[]? PatientCoverage80Percentiles = null)
{
    public double MeanMae => MaeByHorizon.Where(double.IsFinite).Average();

    /// <summary>Mean MAE over horizons <paramref name="from"/>..<paramref name="to"/>.</summary>
    public double MeanMaeOver(int from, int to) => MaeByHorizon.Skip(from - 1).Take(to - from + 1).Where(double.IsFinite).Average();
}

/// <summary>A forecast at one origin for horizons 1..H, with central 80 % and 95 % intervals when the predictor has them.</summary>
public sealed record BacktestForecast(double[] Mean, double[]? Lower80 = null, double[]? Upper80 = null, double[]? Lower95 = null, double[]? Upper95 = null)
{
    /// <summary>Gaussian intervals from per-horizon variances (the statistical members' own predictive distribution).</summary>
    public static BacktestForecast Gaussian(double[] mean, double[] variance)
    {
        double[] Bound(double level, int sign) => [.. mean.Select((m, h) => m + sign * StatisticalMember.HalfWidth(Math.Sqrt(Math.Max(variance[h], 0)), level))];
        return new BacktestForecast(mean, Bound(0.8, -1), Bound(0.8, 1), Bound(0.95, -1), Bound(0.95, 1));
    }
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
    public static readonly string[] Predictors = ["auto_ets", "sarima_100_100_7", "ets_ana", "statistical_member", "seasonal_naive", "last_value"];

    /// <summary>Fewer scored days than this and a patient is left out of the per-patient coverage percentiles.</summary>
    public const int MinPatientPoints = 10;

    /// <summary>A further predictor's forecast at an origin, or null where it does not forecast (e.g. too little history).</summary>
    public delegate BacktestForecast? ExtraPredictor(BacktestPatient patient, ObservationType symptom, int originDay, int horizon);

    public static IReadOnlyList<BacktestPatient> Patients(SymptomCohort cohort) =>
        [.. cohort.Patients.Select(p => new BacktestPatient(p.Index, p.FirstDay, p.Days, p.Daily, p.Observations, ForecastEnsembleTrainer.MedicationStarts(p)))];

    public static IReadOnlyList<BacktestPatient> Patients(IEnumerable<RegimeSimulatedPatient> cohort) =>
        [.. cohort.Select(p => new BacktestPatient(p.Index, p.FirstDay, p.Days, p.Daily, p.Observations, null))];

    /// <summary>The simulator's oracle forecast (the true model and parameters, Kalman-filtered to the origin).</summary>
    public static ExtraPredictor Oracle(SymptomCohort cohort) => (p, symptom, t, h) => new BacktestForecast(cohort.OracleForecast(p.Index, p.FirstDay.AddDays(t), symptom, h).Mean);

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
            var hits80 = names.ToDictionary(p => p, _ => new int[horizon]);
            var hits95 = names.ToDictionary(p => p, _ => new int[horizon]);
            var withIntervals = new HashSet<string>();
            var perPatient = names.ToDictionary(p => p, _ => new List<double>());
            var counts = new int[horizon];
            var origins = 0;
            foreach (var patient in patients)
            {
                var series = patient.Daily[symptom];
                var patientHits = names.ToDictionary(p => p, _ => 0);
                var patientPoints = 0;
                for (var t = firstOrigin; t + 1 < patient.Days; t += originEvery)
                {
                    var history = series.Take(t + 1).ToArray();
                    if (history.Count(v => !double.IsNaN(v)) < 28 || double.IsNaN(series[t])) continue;
                    var others = extra.ToDictionary(e => e.Key, e => e.Value(patient, symptom, t, horizon));
                    if (others.Values.Any(f => f is null)) continue;
                    var (sarimaMean, sarimaVariance) = SeasonalArima.Fit(StatisticalMember.Sarima, history).Forecast(horizon);
                    var (etsMean, etsVariance) = ExponentialSmoothing.FitBest(history).Forecast(horizon);
                    var (anaMean, anaVariance) = ExponentialSmoothing.Fit(StatisticalMember.Ets, history).Forecast(horizon);
                    var member = StatisticalMember.Forecast(history, horizon) ?? throw new InvalidOperationException("the member fits wherever both of its models do");
                    var forecasts = new Dictionary<string, BacktestForecast>
                    {
                        ["auto_ets"] = BacktestForecast.Gaussian(etsMean, etsVariance),
                        ["sarima_100_100_7"] = BacktestForecast.Gaussian(sarimaMean, sarimaVariance),
                        ["ets_ana"] = BacktestForecast.Gaussian(anaMean, anaVariance),
                        ["statistical_member"] = BacktestForecast.Gaussian(member.Mean, member.Variance),
                        ["seasonal_naive"] = new([.. Enumerable.Range(1, horizon).Select(h => ForecastEnsembleMath.SeasonalNaive(series, t, h))]),
                        ["last_value"] = new([.. Enumerable.Repeat(ForecastEnsembleMath.LastObserved(series, t), horizon)]),
                    };
                    foreach (var (name, f) in others) forecasts[name] = f!;
                    origins++;
                    for (var h = 1; h <= horizon && t + h < patient.Days; h++)
                    {
                        var actual = series[t + h];
                        if (double.IsNaN(actual)) continue;
                        counts[h - 1]++;
                        patientPoints++;
                        foreach (var p in names)
                        {
                            var f = forecasts[p];
                            sums[p][h - 1] += Math.Abs(f.Mean[h - 1] - actual);
                            if (f.Lower80 is null) continue;
                            withIntervals.Add(p);
                            var in80 = actual >= f.Lower80[h - 1] - 1e-9 && actual <= f.Upper80![h - 1] + 1e-9;
                            if (in80) { hits80[p][h - 1]++; patientHits[p]++; }
                            if (actual >= f.Lower95![h - 1] - 1e-9 && actual <= f.Upper95![h - 1] + 1e-9) hits95[p][h - 1]++;
                        }
                    }
                }
                if (patientPoints >= MinPatientPoints)
                    foreach (var p in names) perPatient[p].Add(patientHits[p] / (double)patientPoints);
            }
            progress?.Report($"{symptom.Name}: {origins} origins");
            double[] Rate(int[] hits) => [.. hits.Select((x, h) => counts[h] == 0 ? double.NaN : x / (double)counts[h])];
            rows.AddRange(names.Select(p => withIntervals.Contains(p)
                ? new BacktestRow(symptom.Name, p, [.. sums[p].Select((s, h) => counts[h] == 0 ? double.NaN : s / counts[h])], origins,
                    Rate(hits80[p]), Rate(hits95[p]), hits80[p].Sum() / (double)counts.Sum(), hits95[p].Sum() / (double)counts.Sum(),
                    perPatient[p].Count == 0 ? null : [Percentile(perPatient[p], 0.1), Percentile(perPatient[p], 0.5), Percentile(perPatient[p], 0.9)])
                : new BacktestRow(symptom.Name, p, [.. sums[p].Select((s, h) => counts[h] == 0 ? double.NaN : s / counts[h])], origins)));
        }
        return rows;
    }

    /// <summary>Linear-interpolation percentile (type 7, numpy's default).</summary>
    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
