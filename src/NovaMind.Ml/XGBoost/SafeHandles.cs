using System.Runtime.InteropServices;

namespace NovaMind.Ml.XGBoost;

/// <summary>Owns a native <c>DMatrixHandle</c>; released with <c>XGDMatrixFree</c>.</summary>
internal sealed class DMatrixSafeHandle : SafeHandle
{
    // Public parameterless constructor: the LibraryImport generator creates the instance for `out` parameters.
    public DMatrixSafeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => NativeMethods.XGDMatrixFree(handle) == 0;
}

/// <summary>Owns a native <c>BoosterHandle</c>; released with <c>XGBoosterFree</c>.</summary>
internal sealed class BoosterSafeHandle : SafeHandle
{
    public BoosterSafeHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => NativeMethods.XGBoosterFree(handle) == 0;
}
