namespace NovaMind.Ml.XGBoost;

/// <summary>
/// XGBoost's training/evaluation data container (a native <c>DMatrix</c>), built from a dense
/// row-major matrix of <see cref="float"/>.
/// </summary>
/// <remarks>
/// XGBoost copies the data on construction, so the source buffer may be reused afterwards.
/// Not safe for concurrent mutation (setting labels/weights) from several threads.
/// </remarks>
public sealed unsafe class DMatrix : IDisposable
{
    private readonly DMatrixSafeHandle _handle;

    /// <summary>Creates a matrix from <paramref name="rows"/> × <paramref name="cols"/> values stored row after row.</summary>
    /// <param name="rowMajor">Exactly <c>rows * cols</c> values.</param>
    /// <param name="rows">Number of rows (samples).</param>
    /// <param name="cols">Number of columns (features).</param>
    /// <param name="missing">Value treated as missing; <see cref="float.NaN"/> (default) means NaN cells are missing.</param>
    public DMatrix(ReadOnlySpan<float> rowMajor, int rows, int cols, float missing = float.NaN)
    {
        ValidateShape(rowMajor.Length, rows, cols, nameof(rowMajor));
        NativeMethods.EnsureLoaded();
        fixed (float* data = rowMajor)
        {
            NativeMethods.Check(NativeMethods.XGDMatrixCreateFromMat(data, (ulong)rows, (ulong)cols, missing, out _handle));
        }
    }

    /// <summary>Number of rows, as reported by XGBoost.</summary>
    public long Rows
    {
        get
        {
            NativeMethods.Check(NativeMethods.XGDMatrixNumRow(Handle, out var rows));
            return checked((long)rows);
        }
    }

    /// <summary>Number of columns (features), as reported by XGBoost.</summary>
    public long Cols
    {
        get
        {
            NativeMethods.Check(NativeMethods.XGDMatrixNumCol(Handle, out var cols));
            return checked((long)cols);
        }
    }

    internal DMatrixSafeHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }

    /// <summary>
    /// Sets the training target: one value per row, or for multi-output models <c>rows * targets</c>
    /// values in row-major order.
    /// </summary>
    public void SetLabels(ReadOnlySpan<float> labels)
    {
        var rows = Rows;
        if (rows == 0 ? labels.Length != 0 : labels.Length == 0 || labels.Length % rows != 0)
        {
            throw new ArgumentException($"Expected a positive multiple of the row count ({rows}) labels but got {labels.Length}.", nameof(labels));
        }

        SetFloatInfo("label", labels);
    }

    /// <summary>Sets per-row instance weights, one value per row.</summary>
    public void SetWeights(ReadOnlySpan<float> weights)
    {
        // XGBoost 1.7 accepts a weight vector of any length here and only complains (if at all)
        // during training, so reject the mismatch at the call that caused it.
        var rows = Rows;
        if (weights.Length != rows)
        {
            throw new ArgumentException($"Expected one weight per row ({rows}) but got {weights.Length}.", nameof(weights));
        }

        SetFloatInfo("weight", weights);
    }

    /// <summary>Releases the native matrix. Safe to call more than once.</summary>
    public void Dispose() => _handle.Dispose();

    internal static void ValidateShape(int length, int rows, int cols, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if ((long)rows * cols != length)
        {
            throw new ArgumentException($"Expected rows * cols = {(long)rows * cols} values but got {length}.", paramName);
        }
    }

    private void SetFloatInfo(string field, ReadOnlySpan<float> values)
    {
        fixed (float* data = values)
        {
            NativeMethods.Check(NativeMethods.XGDMatrixSetFloatInfo(Handle, field, data, (ulong)values.Length));
        }
    }
}
