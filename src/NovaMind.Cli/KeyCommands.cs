using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using NovaMind.Grains.Persistence;

namespace NovaMind.Cli;

/// <summary>
/// Data-key rotation (runbook in docs/architecture.md): <c>keys rotate</c> adds a new active key to the key ring file,
/// <c>keys reencrypt</c> asks the cluster to re-seal every stored record with it and waits for the count per key,
/// <c>keys retire</c> removes a key once no stored record uses it.
/// </summary>
public static class KeyCommands
{
    public static Command Create(DevSecrets secrets)
    {
        var keyRingOption = new Option<string>("--keyring")
        {
            Description = "Key ring file (default: Encryption__KeyRingFile, else the development ring in .novamind/keyring.json)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Encryption__KeyRingFile") ?? secrets.KeyRingFile,
        };
        var keys = new Command("keys", "Rotate the data keys that seal patient records at rest.");

        var rotate = new Command("rotate", "Add a new random AES-256 key and make it the active one (old keys stay, so every record stays readable).") { keyRingOption };
        rotate.SetAction(r =>
        {
            var file = r.GetValue(keyRingOption)!;
            var ring = TwinKeyRing.Parse(File.ReadAllText(file));
            var id = $"k-{DateTime.UtcNow:yyyyMMddHHmmss}";
            WriteAtomically(file, ring.WithNewActiveKey(id, RandomNumberGenerator.GetBytes(32)).ToJson());
            Console.WriteLine($"key ring {file}: new active key '{id}'; kept {string.Join(", ", ring.Keys.Keys.Select(k => $"'{k}'"))}.");
            Console.WriteLine("Next: restart every silo with this ring (new writes then use the new key), then run './novamind keys reencrypt'.");
            return 0;
        });

        var retireOption = new Option<string>("--key") { Description = "Id of the key to remove", Required = true };
        var retire = new Command("retire", "Remove a key from the ring: only after 'keys reencrypt' reported no record sealed with it.") { keyRingOption, retireOption };
        retire.SetAction(r =>
        {
            var file = r.GetValue(keyRingOption)!;
            var ring = TwinKeyRing.Parse(File.ReadAllText(file)).Without(r.GetValue(retireOption)!);
            WriteAtomically(file, ring.ToJson());
            Console.WriteLine($"key ring {file}: removed '{r.GetValue(retireOption)}'; keys left: {string.Join(", ", ring.Keys.Keys.Select(k => $"'{k}'"))}.");
            return 0;
        });

        var gatewayOption = new Option<string>("--gateway") { Description = "Gateway base URL", DefaultValueFactory = _ => "http://localhost:5080/" };
        var tokenOption = new Option<string?>("--token") { Description = "An admin bearer token (default: a development admin token)" };
        var reencrypt = new Command("reencrypt", "Re-seal every stored record with the silos' active key, in the background, and wait for the result.") { gatewayOption, tokenOption };
        reencrypt.SetAction(async (r, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(r.GetValue(gatewayOption)!.TrimEnd('/') + "/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                r.GetValue(tokenOption) ?? DevTokens.Create(secrets, "key-operator", ["admin"], TimeSpan.FromHours(1)));
            using var started = await http.PostAsync("api/admin/keys/reencrypt", null, ct);
            if (!started.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"the gateway refused: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync(ct)}");
                return 2;
            }
            while (true)
            {
                var report = await http.GetFromJsonAsync<JsonElement>("api/admin/keys/reencrypt", ct);
                var state = report.GetProperty("state").GetString();
                Console.WriteLine($"{state}: {report.GetProperty("scanned")} scanned, {report.GetProperty("resealed")} re-sealed, {report.GetProperty("failed")} failed");
                if (state != "running")
                {
                    Console.WriteLine($"records per key before: {report.GetProperty("records_by_key_before")}, after: {report.GetProperty("records_by_key_after")}");
                    if (report.TryGetProperty("problem", out var problem) && problem.ValueKind == JsonValueKind.String) Console.WriteLine(problem.GetString());
                    return state == "finished" ? 0 : 1;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        });

        keys.Subcommands.Add(rotate);
        keys.Subcommands.Add(reencrypt);
        keys.Subcommands.Add(retire);
        return keys;
    }

    private static void WriteAtomically(string file, string content)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, file, overwrite: true);
    }
}
