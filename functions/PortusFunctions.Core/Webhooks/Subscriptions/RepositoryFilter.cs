using PortusFunctions.Registry;

namespace PortusFunctions.Webhooks.Subscriptions;

/// <summary>
/// Which repositories a subscription follows: a list of name patterns, a namespace, or both; with neither, every
/// repository. A repository matches when it matches any pattern or is in the namespace.
/// </summary>
/// <remarks>
/// A pattern is a repository name whose path components may hold <c>*</c>, which matches any run of characters
/// within one component, or be <c>**</c>, which matches any number of whole components. So <c>team/app</c> matches
/// only itself, <c>team/*</c> matches <c>team/app</c> but not <c>team/app/api</c>, and <c>team/**</c> and the
/// namespace <c>team</c> both match every repository under <c>team/</c>. A trailing <c>**</c> matches at least one
/// component, so <c>team/**</c> does not match a repository named <c>team</c>; anywhere else it may match none, so
/// <c>**/api</c> matches <c>api</c> and <c>team/app/api</c>.
/// </remarks>
public sealed class RepositoryFilter
{
    /// <summary>Maximum number of patterns in one filter.</summary>
    public const int MaxPatterns = 50;

    /// <summary>A filter that matches every repository.</summary>
    public static RepositoryFilter Everything { get; } = new([], null);

    /// <summary>Creates a filter from validated patterns and namespace.</summary>
    public RepositoryFilter(IReadOnlyList<string> patterns, string? repositoryNamespace)
    {
        ArgumentNullException.ThrowIfNull(patterns);

        Patterns = patterns;
        Namespace = repositoryNamespace;
    }

    /// <summary>Name patterns; empty when only the namespace, or nothing, filters.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Namespace whose repositories match, or null.</summary>
    public string? Namespace { get; }

    /// <summary>Whether the filter matches every repository.</summary>
    public bool MatchesEverything => Patterns.Count == 0 && Namespace is null;

    /// <summary>Whether <paramref name="repository"/> passes the filter.</summary>
    public bool Matches(string repository)
    {
        ArgumentNullException.ThrowIfNull(repository);

        if (MatchesEverything)
        {
            return true;
        }

        if (Namespace is not null && string.Equals(ReferenceRules.NamespaceOf(repository), Namespace, StringComparison.Ordinal))
        {
            return true;
        }

        return Patterns.Any(pattern => RepositoryPattern.Matches(pattern, repository));
    }
}

/// <summary>Validation and matching of one repository name pattern; see <see cref="RepositoryFilter"/>.</summary>
public static class RepositoryPattern
{
    /// <summary>The wildcard that matches whole path components.</summary>
    public const string AnyComponents = "**";

    /// <summary>Returns why <paramref name="pattern"/> is not a valid pattern, or null when it is.</summary>
    public static string? Validate(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return "a pattern is empty";
        }

        if (pattern.Length > ReferenceRules.MaxRepositoryLength)
        {
            return $"pattern '{Shorten(pattern)}' is longer than {ReferenceRules.MaxRepositoryLength} characters";
        }

        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return ReferenceRules.IsValidRepository(pattern)
                ? null
                : $"'{pattern}' is not a valid repository name: expected lowercase letters, digits and '.', '_', '-' in path components separated by '/'";
        }

        foreach (var component in pattern.Split('/'))
        {
            if (component.Length == 0)
            {
                return $"pattern '{pattern}' has an empty path component";
            }

            if (component == AnyComponents)
            {
                continue;
            }

            if (component.Contains(AnyComponents, StringComparison.Ordinal))
            {
                return $"pattern '{pattern}' uses '**' inside the component '{component}': '**' must be a whole path component";
            }

            if (!component.All(IsPatternCharacter))
            {
                return $"pattern '{pattern}' contains a character other than lowercase letters, digits, '.', '_', '-', '*' and '/'";
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="repository"/> matches <paramref name="pattern"/>, which must be valid.</summary>
    public static bool Matches(string pattern, string repository)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(repository);

        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return string.Equals(pattern, repository, StringComparison.Ordinal);
        }

        var patternParts = pattern.Split('/');
        var nameParts = repository.Split('/');

        // matches[i, j]: whether patternParts[i..] matches nameParts[j..]; filled from the end.
        var matches = new bool[patternParts.Length + 1, nameParts.Length + 1];
        matches[patternParts.Length, nameParts.Length] = true;
        for (var i = patternParts.Length - 1; i >= 0; i--)
        {
            var isLast = i == patternParts.Length - 1;
            for (var j = nameParts.Length; j >= 0; j--)
            {
                if (patternParts[i] == AnyComponents)
                {
                    // Match no component here (not allowed at the end), or one component and stay on '**'.
                    var skip = !isLast && matches[i + 1, j];
                    var consume = j < nameParts.Length && (matches[i, j + 1] || matches[i + 1, j + 1]);
                    matches[i, j] = skip || consume;
                }
                else
                {
                    matches[i, j] = j < nameParts.Length
                        && ComponentMatches(patternParts[i], nameParts[j])
                        && matches[i + 1, j + 1];
                }
            }
        }

        return matches[0, 0];
    }

    /// <summary>Whether one path component matches a glob in which <c>*</c> matches any run of characters.</summary>
    internal static bool ComponentMatches(string glob, string text)
    {
        int g = 0, t = 0, starAt = -1, resumeAt = 0;
        while (t < text.Length)
        {
            if (g < glob.Length && glob[g] == '*')
            {
                starAt = g++;
                resumeAt = t;
            }
            else if (g < glob.Length && glob[g] == text[t])
            {
                g++;
                t++;
            }
            else if (starAt >= 0)
            {
                // Let the last '*' take one more character and retry the rest of the glob.
                g = starAt + 1;
                t = ++resumeAt;
            }
            else
            {
                return false;
            }
        }

        while (g < glob.Length && glob[g] == '*')
        {
            g++;
        }

        return g == glob.Length;
    }

    private static bool IsPatternCharacter(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '*';

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
