using System.Globalization;
using System.Runtime.InteropServices;

namespace NovaMind.Ml.XGBoost;

/// <summary>A gradient-boosted model (a native XGBoost <c>Booster</c>).</summary>
/// <remarks>
/// <para>
/// Thread safety: XGBoost boosters are not safe for concurrent mutation. Do not call
/// <see cref="SetParameter"/>, <see cref="UpdateOneIteration"/> or <see cref="EvaluateSet"/>
/// concurrently with any other call on the same booster. Prediction is documented thread-safe
/// since XGBoost 1.4 for tree boosters (gbtree, dart), so once training is finished several
/// threads may call <see cref="Predict"/> on one booster at once.
/// </para>
/// <para>
/// Multi-output models (e.g. <c>multi:softprob</c>) return <c>rows * outputs</c> values from
/// <see cref="Predict"/>, row-major.
/// </para>
/// </remarks>
public sealed unsafe class Booster : IDisposable
{
    // Attribute names shared with XGBoost's Python package, so models saved by either side keep
    // their early-stopping result.
    private const string BestIterationAttribute = "best_iteration";
    private const string BestScoreAttribute = "best_score";

    private readonly BoosterSafeHandle _handle;

    /// <summary>
    /// Creates an empty booster. Matrices in <paramref name="cache"/> get a prediction cache, which makes
    /// training and evaluation on them incremental instead of re-predicting every tree each round.
    /// </summary>
    public Booster(params ReadOnlySpan<DMatrix> cache)
    {
        NativeMethods.EnsureLoaded();
        using var handles = new HandleArray(cache);
        NativeMethods.Check(NativeMethods.XGBoosterCreate(handles.Pointer, (ulong)cache.Length, out _handle));
    }

    /// <summary>
    /// Best iteration (0-based) found by early stopping, or <see langword="null"/> when the model was
    /// not trained with it. When set, <see cref="Predict"/> uses trees up to this iteration by default.
    /// Persisted in the model as the <c>best_iteration</c> attribute.
    /// </summary>
    public int? BestIteration { get; private set; }

    /// <summary>Number of boosting rounds the model holds (<c>XGBoosterBoostedRounds</c>).</summary>
    public int BoostedRounds
    {
        get
        {
            NativeMethods.Check(NativeMethods.XGBoosterBoostedRounds(Handle, out var rounds));
            return rounds;
        }
    }

    private BoosterSafeHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Trains a booster for up to <paramref name="rounds"/> rounds. With <paramref name="validation"/> and
    /// <paramref name="earlyStoppingRounds"/>, stops once the validation metric (the last
    /// <c>eval_metric</c>, or the objective's default) has not improved for that many rounds and records
    /// <see cref="BestIteration"/>; the trees after it are kept but <see cref="Predict"/> ignores them
    /// by default.
    /// </summary>
    /// <param name="parameters">XGBoost parameters in order; repeat a key (e.g. <c>eval_metric</c>) to add several values.</param>
    /// <param name="train">Training data with labels set.</param>
    /// <param name="rounds">Maximum number of boosting rounds (at least 1).</param>
    /// <param name="validation">Optional validation data with labels set, reported as <c>valid</c>.</param>
    /// <param name="earlyStoppingRounds">Rounds without improvement before stopping; requires <paramref name="validation"/>.</param>
    public static Booster Train(
        IEnumerable<KeyValuePair<string, string>> parameters,
        DMatrix train,
        int rounds,
        DMatrix? validation = null,
        int? earlyStoppingRounds = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (earlyStoppingRounds is { } esr)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(esr, 1, nameof(earlyStoppingRounds));
            if (validation is null)
            {
                throw new ArgumentException("Early stopping needs a validation set.", nameof(validation));
            }
        }

        var booster = validation is null ? new Booster(train) : new Booster(train, validation);
        try
        {
            booster.SetParameters(parameters);
            var stopping = earlyStoppingRounds is null ? null : new EarlyStopping(earlyStoppingRounds.Value);
            for (var iteration = 0; iteration < rounds; iteration++)
            {
                booster.UpdateOneIteration(iteration, train);
                if (stopping is not null)
                {
                    var (metric, score) = EvaluationParser.LastMetric(booster.EvaluateSet(iteration, (validation!, "valid")), "valid");
                    if (stopping.ShouldStop(iteration, metric, score))
                    {
                        break;
                    }
                }
            }

            if (stopping is not null)
            {
                booster.SetBestIteration(stopping.BestIteration, stopping.BestScore);
            }

            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    /// <summary>Loads a model saved by <see cref="SaveModel"/> (or by any XGBoost ≥ 1.0 binding, JSON or UBJ).</summary>
    public static Booster Load(ReadOnlySpan<byte> model)
    {
        var booster = new Booster();
        try
        {
            fixed (byte* data = model)
            {
                NativeMethods.Check(NativeMethods.XGBoosterLoadModelFromBuffer(booster.Handle, data, (ulong)model.Length));
            }

            var best = booster.GetAttribute(BestIterationAttribute);
            booster.BestIteration = best is null ? null : int.Parse(best, NumberStyles.Integer, CultureInfo.InvariantCulture);
            return booster;
        }
        catch
        {
            booster.Dispose();
            throw;
        }
    }

    /// <summary>Sets one training parameter, e.g. <c>("max_depth", "4")</c>. Validation happens at the next update.</summary>
    public void SetParameter(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        NativeMethods.Check(NativeMethods.XGBoosterSetParam(Handle, name, value));
    }

    /// <summary>Sets parameters in order (repeated keys such as <c>eval_metric</c> accumulate in XGBoost).</summary>
    public void SetParameters(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (name, value) in parameters)
        {
            SetParameter(name, value);
        }
    }

    /// <summary>Runs one boosting round on <paramref name="train"/> (which must have labels).</summary>
    /// <param name="iteration">0-based round number; XGBoost uses it to seed per-round sampling.</param>
    /// <param name="train">Training data.</param>
    public void UpdateOneIteration(int iteration, DMatrix train)
    {
        ArgumentNullException.ThrowIfNull(train);
        NativeMethods.Check(NativeMethods.XGBoosterUpdateOneIter(Handle, iteration, train.Handle));
    }

    /// <summary>
    /// Evaluates the configured metrics on each set and returns XGBoost's report, e.g.
    /// <c>"[3]\ttrain-rmse:0.51\tvalid-rmse:0.62"</c>.
    /// </summary>
    public string EvaluateSet(int iteration, params ReadOnlySpan<(DMatrix Data, string Name)> sets)
    {
        var names = new nint[sets.Length];
        var matrices = new DMatrix[sets.Length];
        try
        {
            for (var i = 0; i < sets.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(sets[i].Data);
                ArgumentException.ThrowIfNullOrEmpty(sets[i].Name);
                matrices[i] = sets[i].Data;
                names[i] = Marshal.StringToCoTaskMemUTF8(sets[i].Name);
            }

            using var handles = new HandleArray(matrices);
            fixed (nint* namePointers = names)
            {
                NativeMethods.Check(NativeMethods.XGBoosterEvalOneIter(
                    Handle, iteration, handles.Pointer, (byte**)namePointers, (ulong)sets.Length, out var result));
                return Marshal.PtrToStringUTF8((nint)result) ?? string.Empty;
            }
        }
        finally
        {
            foreach (var name in names)
            {
                Marshal.FreeCoTaskMem(name);
            }
        }
    }

    /// <summary>
    /// Predicts from a dense row-major matrix without building a <see cref="DMatrix"/>
    /// (<c>XGBoosterPredictFromDense</c>, "in-place" prediction). Safe to call from several threads at once
    /// for tree boosters, but not concurrently with training or parameter changes.
    /// </summary>
    /// <param name="rowMajor">Exactly <c>rows * cols</c> values; <paramref name="cols"/> must match the model's feature count.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="cols">Number of columns.</param>
    /// <param name="missing">Value treated as missing.</param>
    /// <param name="iterationEnd">
    /// Use trees of rounds <c>[0, iterationEnd)</c>; 0 means all. Defaults to <c>BestIteration + 1</c>
    /// when early stopping recorded one, otherwise all.
    /// </param>
    /// <returns>Transformed predictions (e.g. probabilities for <c>binary:logistic</c>), <c>rows * outputs</c> values.</returns>
    public float[] Predict(ReadOnlySpan<float> rowMajor, int rows, int cols, float missing = float.NaN, int? iterationEnd = null)
    {
        DMatrix.ValidateShape(rowMajor.Length, rows, cols, nameof(rowMajor));
        if (iterationEnd is { } end)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(end, nameof(iterationEnd));
        }

        var handle = Handle;
        if (rows == 0)
        {
            return [];
        }

        var config = string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":{iterationEnd ?? (BestIteration + 1) ?? 0},\"strict_shape\":false,\"cache_id\":0,\"missing\":{FormatJsonFloat(missing)}}}");

        // `fixed` pins the span for the whole native call; XGBoost reads the data through the
        // address embedded in the __array_interface__ JSON, which the GC cannot see.
        fixed (float* data = rowMajor)
        {
            var arrayInterface = string.Create(
                CultureInfo.InvariantCulture,
                $"{{\"data\":[{(ulong)data},true],\"shape\":[{rows},{cols}],\"typestr\":\"<f4\",\"version\":3}}");
            NativeMethods.Check(NativeMethods.XGBoosterPredictFromDense(
                handle, arrayInterface, config, IntPtr.Zero, out var shape, out var dims, out var result));

            // The result buffer belongs to XGBoost (per booster and thread) and is overwritten by the
            // next call, so copy it out now.
            ulong length = 1;
            for (ulong i = 0; i < dims; i++)
            {
                length = checked(length * shape[i]);
            }

            return new ReadOnlySpan<float>(result, checked((int)length)).ToArray();
        }
    }

    /// <summary>Serializes the model (trees, objective and attributes such as the best iteration).</summary>
    public byte[] SaveModel(ModelFormat format = ModelFormat.Ubj)
    {
        var config = format switch
        {
            ModelFormat.Ubj => "{\"format\":\"ubj\"}",
            ModelFormat.Json => "{\"format\":\"json\"}",
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        NativeMethods.Check(NativeMethods.XGBoosterSaveModelToBuffer(Handle, config, out var length, out var data));
        return new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();
    }

    /// <summary>Releases the native booster. Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    private static string FormatJsonFloat(float value) =>
        // XGBoost's JSON reader accepts the non-standard NaN/Infinity tokens (its Python package emits them).
        float.IsNaN(value) ? "NaN"
        : float.IsPositiveInfinity(value) ? "Infinity"
        : float.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void SetBestIteration(int iteration, double score)
    {
        // Stored as model attributes (not only in this object) so SaveModel/Load keep them.
        NativeMethods.Check(NativeMethods.XGBoosterSetAttr(Handle, BestIterationAttribute, iteration.ToString(CultureInfo.InvariantCulture)));
        NativeMethods.Check(NativeMethods.XGBoosterSetAttr(Handle, BestScoreAttribute, score.ToString("R", CultureInfo.InvariantCulture)));
        BestIteration = iteration;
    }

    private string? GetAttribute(string key)
    {
        NativeMethods.Check(NativeMethods.XGBoosterGetAttr(Handle, key, out var value, out var success));
        return success != 0 ? Marshal.PtrToStringUTF8((nint)value) : null;
    }

    /// <summary>Tracks the validation metric the way XGBoost's own early-stopping callback does.</summary>
    private sealed class EarlyStopping(int patience)
    {
        private bool? _maximize;
        private int _staleRounds;

        public int BestIteration { get; private set; } = -1;

        public double BestScore { get; private set; } = double.NaN;

        public bool ShouldStop(int iteration, string metric, double score)
        {
            _maximize ??= EvaluationParser.IsMaximized(metric);

            // Strict improvement only: ties keep the earlier (smaller) model. NaN never improves.
            var improved = BestIteration < 0 || (_maximize.Value ? score > BestScore : score < BestScore);
            if (improved)
            {
                BestIteration = iteration;
                BestScore = score;
                _staleRounds = 0;
            }
            else
            {
                _staleRounds++;
            }

            return _staleRounds >= patience;
        }
    }

    /// <summary>Raw DMatrix handles for an array argument, kept alive (AddRef) until disposed.</summary>
    private readonly ref struct HandleArray
    {
        private readonly DMatrixSafeHandle[] _owners;
        private readonly nint* _pointer;

        public HandleArray(ReadOnlySpan<DMatrix> matrices)
        {
            _owners = new DMatrixSafeHandle[matrices.Length];
            _pointer = matrices.Length == 0 ? null : (nint*)NativeMemory.Alloc((nuint)matrices.Length, (nuint)sizeof(nint));
            var added = 0;
            try
            {
                for (; added < matrices.Length; added++)
                {
                    ArgumentNullException.ThrowIfNull(matrices[added]);
                    var owner = matrices[added].Handle;
                    var ok = false;
                    owner.DangerousAddRef(ref ok);
                    _owners[added] = owner;
                    _pointer[added] = owner.DangerousGetHandle();
                }
            }
            catch
            {
                for (var i = 0; i < added; i++)
                {
                    _owners[i].DangerousRelease();
                }

                NativeMemory.Free(_pointer);
                throw;
            }
        }

        public nint* Pointer => _pointer;

        public void Dispose()
        {
            NativeMemory.Free(_pointer);
            foreach (var owner in _owners)
            {
                owner.DangerousRelease();
            }
        }
    }
}
