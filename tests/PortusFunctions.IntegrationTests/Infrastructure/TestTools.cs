using System.Net;
using System.Net.Sockets;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Locations of the external programs the tests run, and free loopback ports.</summary>
internal static class TestTools
{
    /// <summary>The repository root: the nearest folder above the test binaries that contains PortusFunctions.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Azurite's table server, installed by <c>scripts/install-deps</c> or named by <c>PORTUS_AZURITE_TABLE</c>.</summary>
    public static string AzuriteTable =>
        Environment.GetEnvironmentVariable("PORTUS_AZURITE_TABLE")
        ?? Require(Path.Combine(RepositoryRoot, ".tools", "azurite", "node_modules", ".bin", "azurite-table"), "scripts/install-deps");

    /// <summary>Debian's distribution registry.</summary>
    public static string Registry => Require("/usr/bin/docker-registry", "scripts/install-deps (Debian package docker-registry)");

    /// <summary>skopeo, which pushes images to the registry.</summary>
    public static string Skopeo => Require("/usr/bin/skopeo", "scripts/install-deps (Debian package skopeo)");

    /// <summary>umoci, which builds OCI image layouts.</summary>
    public static string Umoci => Require("/usr/bin/umoci", "scripts/install-deps (Debian package umoci)");

    /// <summary>Folder with playwright-core, installed by <c>scripts/install-deps --test</c>.</summary>
    public static string BrowserTools =>
        Directory.Exists(Path.Combine(RepositoryRoot, ".tools", "browser", "node_modules", "playwright-core"))
            ? Path.Combine(RepositoryRoot, ".tools", "browser")
            : throw new InvalidOperationException(".tools/browser/node_modules/playwright-core is missing: run scripts/install-deps --test first.");

    /// <summary>htpasswd, which writes the bcrypt password file of the registry's basic authentication.</summary>
    public static string Htpasswd => Require("/usr/bin/htpasswd", "scripts/install-deps (Debian package apache2-utils)");

    /// <summary>Returns a TCP port on 127.0.0.1 that is free at the time of the call.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Creates an empty temporary folder that is deleted when the test process exits.</summary>
    public static string TemporaryFolder(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), "portus-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // A process that is still stopping may hold a file; the folder is in the temporary directory.
            }
        };
        return path;
    }

    private static string Require(string path, string installer) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run {installer} first.");

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PortusFunctions.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No PortusFunctions.sln above {AppContext.BaseDirectory}.");
    }
}
