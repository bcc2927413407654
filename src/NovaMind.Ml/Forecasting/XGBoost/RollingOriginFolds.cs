namespace NovaMind.Ml.Forecasting;

/// <summary>One time-based split: row indices to train on and to validate on.</summary>
public sealed record TimeFold(int[] TrainRows, int[] ValidationRows, DateOnly ValidationStart, DateOnly ValidationEnd);

/// <summary>
/// Rolling-origin (expanding-window) cross-validation over forecast origins sorted by date. The last
/// <c>validationFraction</c> of the origin-date span is cut into <c>folds</c> consecutive blocks; fold k validates on
/// block k and trains on every origin more than <c>gapDays</c> days before the block's first day. With
/// <c>gapDays ≥ H</c> a training origin's targets (t+1 … t+H) all fall before the first validation origin, so no
/// validation day is ever a training target.
/// </summary>
public static class RollingOriginFolds
{
    public static IReadOnlyList<TimeFold> Create(IReadOnlyList<DateOnly> origins, int folds, int gapDays, double validationFraction = 0.4)
    {
        ArgumentNullException.ThrowIfNull(origins);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gapDays);
        if (!(validationFraction > 0 && validationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction));
        if (origins.Count == 0) throw new ArgumentException("no origins", nameof(origins));

        var first = origins.Min().DayNumber;
        var last = origins.Max().DayNumber;
        var span = last - first + 1;
        var validationDays = Math.Max(folds, (int)Math.Round(span * validationFraction));
        var validationFirst = last - validationDays + 1;
        if (validationFirst - gapDays - 1 < first)
            throw new ArgumentException($"origins span {span} days: too short for {folds} folds with a {gapDays}-day gap", nameof(origins));

        var result = new List<TimeFold>(folds);
        for (var k = 0; k < folds; k++)
        {
            var blockStart = validationFirst + (int)((long)validationDays * k / folds);
            var blockEnd = validationFirst + (int)((long)validationDays * (k + 1) / folds) - 1;
            var train = new List<int>();
            var validation = new List<int>();
            for (var r = 0; r < origins.Count; r++)
            {
                var d = origins[r].DayNumber;
                if (d < blockStart - gapDays) train.Add(r);
                else if (d >= blockStart && d <= blockEnd) validation.Add(r);
            }
            result.Add(new TimeFold([.. train], [.. validation], DateOnly.FromDayNumber(blockStart), DateOnly.FromDayNumber(blockEnd)));
        }
        return result;
    }

    /// <summary>A single split for early stopping of a final model: validate on the last <paramref name="validationFraction"/> of the span.</summary>
    public static TimeFold Holdout(IReadOnlyList<DateOnly> origins, int gapDays, double validationFraction = 0.2) =>
        Create(origins, 1, gapDays, validationFraction)[0];
}
