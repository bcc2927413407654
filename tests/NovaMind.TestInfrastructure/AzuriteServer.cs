using System.Diagnostics;
using System.Text;

namespace NovaMind.TestInfrastructure;

/// <summary>
/// A real Azurite (Azure Storage emulator, from the repo's node_modules) on free ports with its own data
/// folder, so tests can run beside './novamind up' and beside each other.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _dataDirectory;

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>Azurite's well-known development account, at this instance's ports.</summary>
    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    /// <summary>The connection string of an Azurite at these ports, whether or not one runs there (yet).</summary>
    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";

    private AzuriteServer(int blobPort, int queuePort, int tablePort)
    {
        (BlobPort, QueuePort, TablePort) = (blobPort, queuePort, tablePort);
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
            throw new InvalidOperationException($"Azurite is not installed at {azurite}; './novamind test' installs it (npm ci).");
        _dataDirectory = Directory.CreateTempSubdirectory("novamind-azurite-").FullName;
        _process = StartProcess(azurite);
    }

    private Process StartProcess(string azurite)
    {
        var psi = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--silent", "--skipApiVersionCheck", "--loose", "--location", _dataDirectory,
                     "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
                     "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
                     "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
                 })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start Azurite");
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A storage outage: Azurite stops (SIGTERM, so it saves its data; killed after 15 s) and its data folder stays.</summary>
    public async Task StopAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
    }

    /// <summary>Starts Azurite again on the same ports and data folder (after <see cref="StopAsync"/>).</summary>
    public async Task RestartAsync()
    {
        _process.Dispose();
        _process = StartProcess(Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite"));
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
            await FreePorts.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), Output);
    }

    public static Task<AzuriteServer> StartAsync() => StartAsync(FreePorts.Next(), FreePorts.Next(), FreePorts.Next());

    public static async Task<AzuriteServer> StartAsync(int blobPort, int queuePort, int tablePort)
    {
        var server = new AzuriteServer(blobPort, queuePort, tablePort);
        try
        {
            foreach (var port in new[] { server.BlobPort, server.QueuePort, server.TablePort })
                await FreePorts.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), server.Output);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public string Output()
    {
        lock (_output) return _output.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // Azurite's graceful close waits for idle keep-alive connections; the data folder is thrown away anyway.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { }
    }
}
