namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Notification bodies captured from Debian's registry 2.8.2, in <c>tests/fixtures/registry-events</c>.</summary>
internal static class Fixtures
{
    /// <summary>Folder of the captured envelopes in the test output.</summary>
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "registry-events");

    /// <summary>Returns the text of one captured envelope.</summary>
    public static string Read(string name) => File.ReadAllText(Path.Combine(Folder, name));

    /// <summary>Names of every captured envelope, in name order.</summary>
    public static IReadOnlyList<string> All() =>
        [.. Directory.GetFiles(Folder, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>()];
}
