using System.Text;

namespace PortusFunctions.Registry;

/// <summary>Pieces of HTTP header grammar (RFC 9110) shared by the Link and WWW-Authenticate parsers.</summary>
internal static class HeaderValues
{
    /// <summary>
    /// Reads a token or a quoted string at <paramref name="position"/>, unescaping <c>\</c> pairs in a quoted string.
    /// </summary>
    /// <returns>False when a quoted string is not terminated.</returns>
    public static bool TryReadValue(string text, ref int position, out string value)
    {
        if (position < text.Length && text[position] == '"')
        {
            var builder = new StringBuilder();
            position++;
            while (position < text.Length)
            {
                var c = text[position++];
                if (c == '"')
                {
                    value = builder.ToString();
                    return true;
                }

                if (c == '\\' && position < text.Length)
                {
                    c = text[position++];
                }

                builder.Append(c);
            }

            value = "";
            return false;
        }

        var start = position;
        while (position < text.Length && text[position] is not (',' or ';' or ' ' or '\t'))
        {
            position++;
        }

        value = text[start..position];
        return true;
    }
}
