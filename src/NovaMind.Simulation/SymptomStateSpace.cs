using NovaMind.Domain.Observations;

namespace NovaMind.Simulation;

/// <summary>
/// The linear-Gaussian state-space form of one patient's process (docs/forecast-simulator.md): the simulator steps
/// it and the oracle filters it, so both use the very same equations.
/// State x_t = [z_t, w_t, a_t, a_t−1, a_t−2, v_t, v_t−1, v_t−2]: depressive severity (mood points, higher = worse),
/// anxiety-specific factor (GAD-7 points), sleep deviation (h) and HRV deviation (ms) with their last two lags.
///   z_t = ρ·z_t−1 + (1−ρ)·R·r_t − β_s·a_t−Ls − β_v·v_t−Lv + ε_z
///   w_t = ρ_w·w_t−1 − β_w·v_t−Lv + ε_w
///   a_t = φ_a·a_t−1 + ε_a;   v_t = φ_v·v_t−1 + ε_v
/// </summary>
public sealed class SymptomStateSpace
{
    public const int Dimension = 8;
    public const int MaxLag = 3;
    public const int Severity = 0, Anxiety = 1, Sleep = 2, Hrv = 5;

    private readonly SymptomPatientParameters _p;
    private readonly SymptomSimulatorOptions _o;

    public SymptomStateSpace(SymptomPatientParameters parameters, SymptomSimulatorOptions options)
    {
        _p = parameters;
        _o = options;
        var f = new double[Dimension, Dimension];
        f[Severity, Severity] = _p.Persistence;
        // Lag L: a_{t−L} is at position L−1 of the previous day's state.
        f[Severity, Sleep + _o.SleepLag - 1] = -_p.SleepEffect;
        f[Severity, Hrv + _o.HrvLag - 1] = -_p.HrvEffect;
        f[Anxiety, Anxiety] = _o.AnxietyPersistence;
        f[Anxiety, Hrv + _o.HrvLag - 1] = -_p.HrvAnxietyEffect;
        f[Sleep, Sleep] = _o.SleepPersistence;
        f[Sleep + 1, Sleep] = 1;
        f[Sleep + 2, Sleep + 1] = 1;
        f[Hrv, Hrv] = _o.HrvPersistence;
        f[Hrv + 1, Hrv] = 1;
        f[Hrv + 2, Hrv + 1] = 1;
        F = f;
        ProcessVariance = new double[Dimension];
        ProcessVariance[Severity] = _o.SeverityNoiseSd * _o.SeverityNoiseSd;
        ProcessVariance[Anxiety] = _o.AnxietyNoiseSd * _o.AnxietyNoiseSd;
        ProcessVariance[Sleep] = _o.SleepNoiseSd * _o.SleepNoiseSd;
        ProcessVariance[Hrv] = _o.HrvNoiseSd * _o.HrvNoiseSd;
    }

    /// <summary>Transition matrix F.</summary>
    public double[,] F { get; }

    /// <summary>Diagonal of the process noise covariance Q.</summary>
    public double[] ProcessVariance { get; }

    /// <summary>Gain of the relapse regime on severity per day: (1−ρ)·R, so a long episode shifts severity by R.</summary>
    public double RelapseGain => (1 - _p.Persistence) * _p.RelapseShift;

    public double RelapseInput(bool inRelapse) => inRelapse ? RelapseGain : 0;

    public double[] Transition(double[] x)
    {
        var y = new double[Dimension];
        for (var i = 0; i < Dimension; i++)
        {
            var s = 0.0;
            for (var j = 0; j < Dimension; j++) s += F[i, j] * x[j];
            y[i] = s;
        }
        return y;
    }

    /// <summary>Loading row h of <paramref name="type"/> on the state: observed = offset + h·x + noise.</summary>
    public double[] Loading(ObservationType type)
    {
        var h = new double[Dimension];
        if (type == ObservationType.Mood) h[Severity] = -1;
        else if (type == ObservationType.Phq9) h[Severity] = _o.Phq9Loading;
        else if (type == ObservationType.Gad7) { h[Severity] = _o.Gad7Loading; h[Anxiety] = 1; }
        else if (type == ObservationType.SleepHours) h[Sleep] = 1;
        else if (type == ObservationType.HrvMs) h[Hrv] = 1;
        else if (type == ObservationType.RestingHr) h[Hrv] = _o.RestingHrLoading;
        else if (type == ObservationType.Steps) h[Severity] = _o.StepsLoading;
        else throw new ArgumentOutOfRangeException(nameof(type), type, "not emitted by the symptom simulator");
        return h;
    }

    /// <summary>The deterministic part of <paramref name="type"/> on <paramref name="day"/>: baseline, weekly rhythm, medication.</summary>
    public double Offset(ObservationType type, DateOnly day)
    {
        // Medication and weekly rhythm lower the effective severity z − M − wk.
        var relief = _p.MedicationImprovement(day) + _p.WeeklyRelief(day);
        if (type == ObservationType.Mood) return _p.MoodBaseline + relief;
        if (type == ObservationType.Phq9) return _p.Phq9Baseline - _o.Phq9Loading * relief;
        if (type == ObservationType.Gad7) return _p.Gad7Baseline - _o.Gad7Loading * relief;
        if (type == ObservationType.SleepHours)
            return _p.SleepBaseline + (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? _o.WeekendSleepHours : 0);
        if (type == ObservationType.HrvMs) return _p.HrvBaseline;
        if (type == ObservationType.RestingHr) return _p.RestingHrBaseline;
        if (type == ObservationType.Steps) return _p.StepsBaseline - _o.StepsLoading * relief;
        throw new ArgumentOutOfRangeException(nameof(type), type, "not emitted by the symptom simulator");
    }

    /// <summary>Noise-free value of <paramref name="type"/> given the state.</summary>
    public double Mean(ObservationType type, DateOnly day, double[] x)
    {
        var h = Loading(type);
        var s = Offset(type, day);
        for (var i = 0; i < Dimension; i++) s += h[i] * x[i];
        return s;
    }

    /// <summary>Measurement noise SD of <paramref name="type"/> (before rounding).</summary>
    public double NoiseSd(ObservationType type) =>
        type == ObservationType.Mood ? _o.MoodNoiseSd
        : type == ObservationType.Phq9 ? _o.Phq9NoiseSd
        : type == ObservationType.Gad7 ? _o.Gad7NoiseSd
        : type == ObservationType.SleepHours ? _o.SleepMeasurementSd
        : type == ObservationType.HrvMs ? _o.HrvMeasurementSd
        : type == ObservationType.RestingHr ? _o.RestingHrNoiseSd
        : type == ObservationType.Steps ? _o.StepsNoiseSd
        : throw new ArgumentOutOfRangeException(nameof(type), type, "not emitted by the symptom simulator");

    /// <summary>Variance of an emitted reading around offset + h·x: noise plus rounding (uniform over the resolution).</summary>
    public double ObservationVariance(ObservationType type)
    {
        var sd = NoiseSd(type);
        var step = SymptomCohortSimulator.Resolution(type);
        return sd * sd + step * step / 12;
    }
}
