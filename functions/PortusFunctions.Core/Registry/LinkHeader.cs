namespace PortusFunctions.Registry;

/// <summary>
/// Reads the <c>Link</c> header (RFC 8288) with which registries page the catalog and tag lists, such as
/// <c>&lt;/v2/_catalog?last=b&amp;n=2&gt;; rel="next"</c>.
/// </summary>
public static class LinkHeader
{
    /// <summary>Finds the target of the first link whose relation types include <c>next</c>.</summary>
    /// <param name="values">Values of every <c>Link</c> header of a response.</param>
    /// <param name="target">The URI reference between the angle brackets, unresolved; null when no link is <c>next</c>.</param>
    /// <param name="error">Why a value could not be read; null when every value was read.</param>
    /// <returns>False when a value is malformed.</returns>
    public static bool TryFindNext(IEnumerable<string> values, out string? target, out string? error)
    {
        ArgumentNullException.ThrowIfNull(values);

        target = null;
        error = null;
        foreach (var value in values)
        {
            if (!TryFindNext(value, out var found, out error))
            {
                target = null;
                return false;
            }

            target ??= found;
        }

        return true;
    }

    private static bool TryFindNext(string value, out string? target, out string? error)
    {
        target = null;
        error = null;
        var position = 0;
        while (true)
        {
            SkipWhitespaceAndCommas(value, ref position);
            if (position == value.Length)
            {
                return true;
            }

            if (value[position] != '<')
            {
                error = $"expected '<' at position {position} of Link header '{value}'";
                return false;
            }

            var close = value.IndexOf('>', position + 1);
            if (close < 0)
            {
                error = $"missing '>' in Link header '{value}'";
                return false;
            }

            var reference = value[(position + 1)..close].Trim();
            position = close + 1;
            if (!TryReadParameters(value, ref position, out var isNext, out error))
            {
                return false;
            }

            if (isNext && target is null)
            {
                target = reference;
            }
        }
    }

    /// <summary>Reads the <c>; name=value</c> parameters of one link up to the comma that ends it.</summary>
    private static bool TryReadParameters(string value, ref int position, out bool isNext, out string? error)
    {
        isNext = false;
        error = null;
        while (true)
        {
            SkipWhitespace(value, ref position);
            if (position == value.Length || value[position] == ',')
            {
                return true;
            }

            if (value[position] != ';')
            {
                error = $"expected ';' or ',' at position {position} of Link header '{value}'";
                return false;
            }

            position++;
            SkipWhitespace(value, ref position);
            var nameStart = position;
            while (position < value.Length && IsTokenChar(value[position]))
            {
                position++;
            }

            var name = value[nameStart..position];
            if (name.Length == 0)
            {
                error = $"missing parameter name at position {position} of Link header '{value}'";
                return false;
            }

            SkipWhitespace(value, ref position);
            var parameterValue = "";
            if (position < value.Length && value[position] == '=')
            {
                position++;
                SkipWhitespace(value, ref position);
                if (!HeaderValues.TryReadValue(value, ref position, out parameterValue))
                {
                    error = $"unterminated quoted string in Link header '{value}'";
                    return false;
                }
            }

            if (string.Equals(name, "rel", StringComparison.OrdinalIgnoreCase)
                && parameterValue.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(IsNextRelation))
            {
                isNext = true;
            }
        }
    }

    private static bool IsNextRelation(string relation) => string.Equals(relation, "next", StringComparison.OrdinalIgnoreCase);

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static void SkipWhitespace(string value, ref int position)
    {
        while (position < value.Length && value[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static void SkipWhitespaceAndCommas(string value, ref int position)
    {
        while (position < value.Length && value[position] is ' ' or '\t' or ',')
        {
            position++;
        }
    }
}
