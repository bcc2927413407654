using System.Reflection;
using System.Runtime.InteropServices;

namespace NovaMind.Ml.XGBoost;

/// <summary>
/// The single <see cref="NativeLibrary.SetDllImportResolver"/> hook for the NovaMind.Ml assembly.
/// </summary>
/// <remarks>
/// The runtime allows one resolver per assembly, so every native binding in this assembly must go
/// through this class: call <see cref="Register"/> for a new library name (before its first
/// P/Invoke) instead of installing another resolver. Names that were not registered fall back to
/// the runtime's default probing.
/// </remarks>
internal static class NativeLibraryResolver
{
    private sealed record Entry(string[] Candidates, string InstallHint);

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, nint> Loaded = new(StringComparer.Ordinal);
    private static bool _installed;

    /// <summary>
    /// Maps a <c>LibraryImport</c> library name to file names/paths tried in order, and installs the
    /// assembly resolver if that has not happened yet. Idempotent for repeated registrations.
    /// </summary>
    /// <param name="libraryName">The name used in <c>[LibraryImport(...)]</c>.</param>
    /// <param name="installHint">Appended to the load-failure message (how to install the library).</param>
    /// <param name="candidates">Names or absolute paths handed to <see cref="NativeLibrary.TryLoad(string, out nint)"/>.</param>
    internal static void Register(string libraryName, string installHint, params string[] candidates)
    {
        lock (Gate)
        {
            Entries[libraryName] = new Entry(candidates, installHint);
            if (!_installed)
            {
                NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
                _installed = true;
            }
        }
    }

    /// <summary>Loads a registered library (once) or throws <see cref="DllNotFoundException"/> with its install hint.</summary>
    internal static nint Load(string libraryName)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(libraryName, out var cached))
            {
                return cached;
            }

            if (!Entries.TryGetValue(libraryName, out var entry))
            {
                throw new InvalidOperationException($"Native library '{libraryName}' was never registered.");
            }

            foreach (var candidate in entry.Candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    Loaded[libraryName] = handle;
                    return handle;
                }
            }

            throw new DllNotFoundException(
                $"Could not load native library '{libraryName}' (tried: {string.Join(", ", entry.Candidates)}). {entry.InstallHint}");
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        bool known;
        lock (Gate)
        {
            known = Entries.ContainsKey(libraryName);
        }

        // Throwing here (rather than returning zero) surfaces the install hint to the caller of the
        // first P/Invoke; zero would make the runtime probe again and throw a hint-less error.
        return known ? Load(libraryName) : IntPtr.Zero;
    }
}
