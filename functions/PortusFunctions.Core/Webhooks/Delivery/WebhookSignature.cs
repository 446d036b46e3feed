using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>
/// The signature of a delivery: <c>Portus-Signature: t=UNIX-SECONDS,v1=HEX</c>, where <c>HEX</c> is the lowercase
/// hexadecimal HMAC-SHA256, keyed with the subscription's secret in UTF-8, of <c>UNIX-SECONDS</c>, a dot, and the
/// body bytes.
/// </summary>
/// <remarks>
/// The timestamp is the time of the attempt, also sent as <c>Portus-Timestamp</c>, so a subscriber can reject old
/// requests that someone replays; each attempt is signed anew.
/// </remarks>
public static class WebhookSignature
{
    /// <summary>Header that carries the signature.</summary>
    public const string Header = "Portus-Signature";

    /// <summary>Returns the header value for a body sent at <paramref name="timestamp"/>.</summary>
    public static string Create(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);

        return $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Compute(secret, timestamp, body)}";
    }

    /// <summary>Returns the lowercase hexadecimal HMAC-SHA256 of <c>timestamp + "." + body</c>.</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);

        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>
    /// Whether <paramref name="header"/> is a valid signature of <paramref name="body"/> with a timestamp at most
    /// <paramref name="tolerance"/> away from <paramref name="now"/>; compares in constant time.
    /// </summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(secret))
        {
            return false;
        }

        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal)
                && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                timestamp = seconds;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                signatures.Add(part[3..]);
            }
        }

        if (timestamp is not { } t || Math.Abs(now.ToUnixTimeSeconds() - t) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, t, body));
        return signatures.Any(signature => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)));
    }
}
