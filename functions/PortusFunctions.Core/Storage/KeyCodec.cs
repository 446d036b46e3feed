using System.Globalization;
using System.Text;

namespace PortusFunctions.Storage;

/// <summary>
/// Reversible encoding of arbitrary strings into Azure Table partition and row keys.
/// </summary>
/// <remarks>
/// Table keys may not contain <c>/</c>, <c>\</c>, <c>#</c>, <c>?</c> or the control characters
/// U+0000-U+001F and U+007F-U+009F. Those characters, and <c>%</c> itself, are written as <c>%XX</c>
/// per UTF-8 byte, so <c>team/app</c> becomes <c>team%2Fapp</c>. Every other character is kept.
/// </remarks>
public static class KeyCodec
{
    /// <summary>Encodes <paramref name="value"/> so that it is a valid table key.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);

        if (!value.Any(NeedsEscape))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!NeedsEscape(c))
            {
                builder.Append(c);
                continue;
            }

            // Escaped characters are all in the BMP and never part of a surrogate pair.
            var length = Encoding.UTF8.GetBytes([c], utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes a key written by <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The key holds a malformed <c>%</c> escape.</exception>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);

        if (!key.Contains('%', StringComparison.Ordinal))
        {
            return key;
        }

        var builder = new StringBuilder(key.Length);
        var pending = new List<byte>(4);
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] != '%')
            {
                FlushBytes(builder, pending);
                builder.Append(key[i]);
                continue;
            }

            if (i + 2 >= key.Length
                || !byte.TryParse(key.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                throw new FormatException($"Table key '{key}' holds a malformed escape at position {i}.");
            }

            pending.Add(b);
            i += 2;
        }

        FlushBytes(builder, pending);
        return builder.ToString();
    }

    private static void FlushBytes(StringBuilder builder, List<byte> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        builder.Append(Encoding.UTF8.GetString([.. pending]));
        pending.Clear();
    }

    private static bool NeedsEscape(char c) =>
        c is '/' or '\\' or '#' or '?' or '%' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F';
}
