using System.Runtime.InteropServices;

namespace NovaMind.Ml.XGBoost;

/// <summary>
/// Source-generated P/Invoke declarations for the subset of XGBoost's C API (1.7 and 2.x: every call here has the same signature in both, <c>xgboost/c_api.h</c>)
/// that this binding uses. <c>bst_ulong</c> is <c>uint64_t</c>; every <c>int</c>-returning function
/// returns 0 on success and -1 on failure.
/// </summary>
/// <remarks>
/// Native strings handed back by XGBoost (error text, eval results, model buffers) live in
/// thread-local storage owned by the library, so they are returned as raw pointers and copied
/// immediately; a <c>string</c> return marshaller would try to free them.
/// </remarks>
internal static unsafe partial class NativeMethods
{
    internal const string LibraryName = "xgboost";

    static NativeMethods()
    {
        // Debian's libxgboost0 ships only the versioned soname (the unversioned .so comes with -dev),
        // and the runtime's default probing for "xgboost" would not try "libxgboost.so.0".
        NativeLibraryResolver.Register(
            LibraryName,
            "XGBoost 1.7 or 2.x is required; on Debian/Ubuntu install it with `apt-get install libxgboost0`.",
            "libxgboost.so.0",
            "libxgboost.so",
            "/usr/lib/x86_64-linux-gnu/libxgboost.so.0");
    }

    /// <summary>Loads the library now, so a missing install fails with the install hint at a predictable point.</summary>
    internal static void EnsureLoaded() => NativeLibraryResolver.Load(LibraryName);

    /// <summary>Throws <see cref="XGBoostException"/> with XGBoost's last error text when <paramref name="rc"/> is non-zero.</summary>
    internal static void Check(int rc)
    {
        if (rc != 0)
        {
            // The error text is thread-local in XGBoost; this runs on the same thread as the failed call.
            var text = Marshal.PtrToStringUTF8((nint)XGBGetLastError())?.Trim();
            throw new XGBoostException(string.IsNullOrEmpty(text) ? $"XGBoost call failed with code {rc}." : text);
        }
    }

    [LibraryImport(LibraryName)]
    internal static partial void XGBoostVersion(out int major, out int minor, out int patch);

    [LibraryImport(LibraryName)]
    internal static partial byte* XGBGetLastError();

    // ---- DMatrix ----

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixCreateFromMat(float* data, ulong nrow, ulong ncol, float missing, out DMatrixSafeHandle handle);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixFree(nint handle);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGDMatrixSetFloatInfo(DMatrixSafeHandle handle, string field, float* array, ulong length);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixNumRow(DMatrixSafeHandle handle, out ulong rows);

    [LibraryImport(LibraryName)]
    internal static partial int XGDMatrixNumCol(DMatrixSafeHandle handle, out ulong cols);

    // ---- Booster ----

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterCreate(nint* dmats, ulong length, out BoosterSafeHandle handle);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterFree(nint handle);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSetParam(BoosterSafeHandle handle, string name, string value);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterUpdateOneIter(BoosterSafeHandle handle, int iteration, DMatrixSafeHandle train);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterEvalOneIter(BoosterSafeHandle handle, int iteration, nint* dmats, byte** names, ulong length, out byte* result);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterBoostedRounds(BoosterSafeHandle handle, out int rounds);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterPredictFromDense(
        BoosterSafeHandle handle,
        string arrayInterface,
        string config,
        nint proxyDMatrix,
        out ulong* shape,
        out ulong dims,
        out float* result);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSaveModelToBuffer(BoosterSafeHandle handle, string config, out ulong length, out byte* data);

    [LibraryImport(LibraryName)]
    internal static partial int XGBoosterLoadModelFromBuffer(BoosterSafeHandle handle, byte* buffer, ulong length);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterGetAttr(BoosterSafeHandle handle, string key, out byte* value, out int success);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int XGBoosterSetAttr(BoosterSafeHandle handle, string key, string? value);
}
