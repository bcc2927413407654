namespace NovaMind.Ml.Forecasting;

/// <summary>One candidate architecture for the time-based cross-validation.</summary>
public sealed record TransformerCandidate(int ModelDim, int Layers)
{
    public TransformerForecastOptions Apply(TransformerForecastOptions options) => options with { ModelDim = ModelDim, Layers = Layers, FeedForward = 2 * ModelDim };

    /// <summary>d ∈ {32, 64} × layers ∈ {1, 2}, three of the four (the largest is left out to keep the search cheap).</summary>
    public static IReadOnlyList<TransformerCandidate> Default { get; } = [new(32, 1), new(32, 2), new(64, 1)];

    /// <summary>Quick mode: one candidate.</summary>
    public static IReadOnlyList<TransformerCandidate> Quick { get; } = [new(32, 1)];
}

public sealed record TransformerCandidateScore(TransformerCandidate Candidate, double[] FoldMae, double MeanMae);

public sealed record TransformerSearchResult(IReadOnlyList<TransformerCandidateScore> Scores, TransformerCandidate Best, TimeSpan Elapsed);

/// <summary>
/// Chooses the architecture by rolling-origin cross-validation (<see cref="RollingOriginFolds"/> over the windows'
/// origin dates, gap = H so no training target falls in a validation block): each candidate is trained on each fold's
/// earlier origins (early-stopped on a time holdout of them) and scored by the mean autoregressive MAE, in the
/// symptom's units, over all horizons of the fold's validation origins. The lowest mean MAE wins.
/// </summary>
public static class TransformerHyperparameterSearch
{
    public static TransformerSearchResult Search(IReadOnlyList<SequenceWindow> windows, TransformerForecastOptions options,
        IReadOnlyList<TransformerCandidate> candidates, int folds = 2, Action<string>? progress = null)
    {
        if (candidates.Count == 0) throw new ArgumentException("no candidates", nameof(candidates));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var origins = windows.Select(w => w.Origin).ToArray();
        var splits = RollingOriginFolds.Create(origins, folds, gapDays: options.MaxHorizon);
        var scores = new List<TransformerCandidateScore>();
        foreach (var candidate in candidates)
        {
            var maes = new double[splits.Count];
            for (var k = 0; k < splits.Count; k++)
            {
                var trainRows = splits[k].TrainRows.Select(r => windows[r]).ToArray();
                var (fit, stop) = Holdout(trainRows, options.MaxHorizon);
                using var model = TransformerForecaster.Train(candidate.Apply(options), fit, stop);
                var validation = splits[k].ValidationRows.Select(r => windows[r]).ToArray();
                maes[k] = Mae(model, validation);
                progress?.Invoke($"{candidate}: fold {k} MAE {maes[k]:F4}");
            }
            scores.Add(new TransformerCandidateScore(candidate, maes, maes.Average()));
        }
        return new TransformerSearchResult(scores, scores.MinBy(s => s.MeanMae)!.Candidate, clock.Elapsed);
    }

    /// <summary>
    /// Search, then train the best candidate on all windows, early-stopped on the last 20 % of origin dates. A single
    /// candidate is not cross-validated (nothing to choose; it would only cost training time): its result has no scores.
    /// The search sees every <paramref name="searchStride"/>-th window only.
    /// </summary>
    public static (TransformerForecaster Model, TransformerSearchResult Search) TuneAndTrain(IReadOnlyList<SequenceWindow> windows, TransformerForecastOptions options,
        IReadOnlyList<TransformerCandidate> candidates, int folds = 2, string symptom = "mood", Action<string>? progress = null, int searchStride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(searchStride, 1);
        var search = candidates.Count == 1 ? new TransformerSearchResult([], candidates[0], TimeSpan.Zero)
            : Search(searchStride == 1 ? windows : [.. windows.Where((_, i) => i % searchStride == 0)], options, candidates, folds, progress);
        var (fit, stop) = Holdout(windows, options.MaxHorizon);
        return (TransformerForecaster.Train(search.Best.Apply(options), fit, stop, symptom, progress), search);
    }

    /// <summary>Early-stopping split by time: validation = origins in the last 20 % of the span; training = origins more than H days before it.</summary>
    public static (SequenceWindow[] Train, SequenceWindow[] Validation) Holdout(IReadOnlyList<SequenceWindow> windows, int horizon)
    {
        var split = RollingOriginFolds.Holdout(windows.Select(w => w.Origin).ToArray(), gapDays: horizon);
        return (split.TrainRows.Select(r => windows[r]).ToArray(), split.ValidationRows.Select(r => windows[r]).ToArray());
    }

    /// <summary>Mean absolute error over every observed target of every horizon, in the symptom's units.</summary>
    public static double Mae(TransformerForecaster model, IReadOnlyList<SequenceWindow> windows)
    {
        var predictions = model.Predict(windows);
        double sum = 0;
        var n = 0;
        for (var i = 0; i < windows.Count; i++)
        for (var k = 0; k < windows[i].Horizon; k++)
        {
            if (windows[i].TargetMask[k] == 0) continue;
            sum += Math.Abs(predictions[i].Mean[k] - windows[i].Scaler.Denormalise(windows[i].Targets[k]));
            n++;
        }
        return sum / Math.Max(1, n);
    }
}
