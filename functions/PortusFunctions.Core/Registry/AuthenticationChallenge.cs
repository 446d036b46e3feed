namespace PortusFunctions.Registry;

/// <summary>
/// One challenge of a <c>WWW-Authenticate</c> header (RFC 9110), such as
/// <c>Bearer realm="https://auth.example.com/token",service="registry",scope="registry:catalog:*"</c>.
/// </summary>
/// <param name="Scheme">Authentication scheme, such as <c>Basic</c> or <c>Bearer</c>.</param>
/// <param name="Parameters">Parameters by case-insensitive name, quoted strings unescaped.</param>
public sealed record AuthenticationChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Whether the scheme is <c>Bearer</c>, the token authentication of the distribution registry.</summary>
    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the scheme is <c>Basic</c>.</summary>
    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>realm</c> parameter: the token endpoint of a bearer challenge.</summary>
    public string? Realm => Parameters.GetValueOrDefault("realm");

    /// <summary>The <c>service</c> parameter that a token request names.</summary>
    public string? Service => Parameters.GetValueOrDefault("service");

    /// <summary>The <c>scope</c> parameter: the access the request needs, such as <c>repository:team/app:pull</c>.</summary>
    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>Parses every challenge of one header value; a value that cannot be read gives the challenges before the fault.</summary>
    public static IReadOnlyList<AuthenticationChallenge> Parse(string? headerValue)
    {
        var challenges = new List<AuthenticationChallenge>();
        if (string.IsNullOrWhiteSpace(headerValue))
        {
            return challenges;
        }

        var position = 0;
        var text = headerValue;
        SkipSeparators(text, ref position);
        while (position < text.Length)
        {
            var scheme = ReadToken(text, ref position);
            if (scheme.Length == 0)
            {
                break;
            }

            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!TryReadParameters(text, ref position, parameters))
            {
                challenges.Add(new AuthenticationChallenge(scheme, parameters));
                break;
            }

            challenges.Add(new AuthenticationChallenge(scheme, parameters));
            SkipSeparators(text, ref position);
        }

        return challenges;
    }

    /// <summary>
    /// Reads <c>name=value</c> pairs separated by commas until the end or the next scheme, which is a token that
    /// no <c>=</c> follows.
    /// </summary>
    private static bool TryReadParameters(string text, ref int position, Dictionary<string, string> parameters)
    {
        while (true)
        {
            SkipSeparators(text, ref position);
            if (position == text.Length)
            {
                return true;
            }

            var start = position;
            var name = ReadToken(text, ref position);
            if (name.Length == 0)
            {
                return false;
            }

            SkipWhitespace(text, ref position);
            if (position == text.Length || text[position] != '=')
            {
                position = start;
                return true;
            }

            position++;
            SkipWhitespace(text, ref position);
            if (!HeaderValues.TryReadValue(text, ref position, out var value))
            {
                return false;
            }

            parameters[name] = value;
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || "!#$%&'*+-.^_`|~".Contains(text[position], StringComparison.Ordinal)))
        {
            position++;
        }

        return text[start..position];
    }

    private static void SkipWhitespace(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static void SkipSeparators(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or ',')
        {
            position++;
        }
    }
}
