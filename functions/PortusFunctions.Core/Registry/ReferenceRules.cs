using System.Text.RegularExpressions;

namespace PortusFunctions.Registry;

/// <summary>
/// The grammar of repository names, tags and digests in the distribution registry's reference format.
/// </summary>
public static partial class ReferenceRules
{
    /// <summary>Maximum length of a repository name, as the registry enforces it.</summary>
    public const int MaxRepositoryLength = 255;

    /// <summary>Maximum length of a tag.</summary>
    public const int MaxTagLength = 128;

    /// <summary>Whether <paramref name="name"/> is a valid repository name: lowercase path components separated by slashes.</summary>
    public static bool IsValidRepository(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxRepositoryLength && RepositoryPattern().IsMatch(name);

    /// <summary>Whether <paramref name="tag"/> is a valid tag.</summary>
    public static bool IsValidTag(string? tag) => !string.IsNullOrEmpty(tag) && TagPattern().IsMatch(tag);

    /// <summary>Whether <paramref name="digest"/> is a valid digest such as <c>sha256:</c> followed by 64 hex digits.</summary>
    public static bool IsValidDigest(string? digest)
    {
        if (string.IsNullOrEmpty(digest) || digest.Length > 256 || !DigestPattern().IsMatch(digest))
        {
            return false;
        }

        // The OCI image specification fixes the encoding of its registered algorithms: lowercase hex of the hash.
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var encoded = digest.AsSpan(colon + 1);
        return digest[..colon] switch
        {
            "sha256" => encoded.Length == 64 && IsLowercaseHex(encoded),
            "sha512" => encoded.Length == 128 && IsLowercaseHex(encoded),
            _ => true,
        };
    }

    private static bool IsLowercaseHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is < 'a' or > 'f')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Returns the namespace of a repository: the part before the first slash, or <see langword="null"/> for a
    /// repository in the global namespace.
    /// </summary>
    public static string? NamespaceOf(string repository)
    {
        ArgumentNullException.ThrowIfNull(repository);

        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : repository[..slash];
    }

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
