namespace PortusFunctions.Registry;

/// <summary>
/// The order of the distribution registry's catalog: repository names compared path component by path component,
/// which is ordinal order with <c>/</c> sorting before every other character, so <c>a/z</c> comes before <c>a-b</c>.
/// </summary>
/// <remarks>
/// The registry walks its storage in this order and continues after <c>last=NAME</c> in it (checked against
/// Debian's docker-registry 2.8.2). For valid repository names it is also the ordinal order of the names as
/// <see cref="Storage.KeyCodec"/> encodes them, because the escape of <c>/</c> starts with <c>%</c>, which sorts
/// before every character a repository name may contain.
/// </remarks>
public sealed class CatalogOrder : IComparer<string>
{
    /// <summary>The comparer.</summary>
    public static CatalogOrder Instance { get; } = new();

    /// <summary>Compares two repository names in catalog order.</summary>
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);

        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            if (left[i] != right[i])
            {
                return Rank(left[i]).CompareTo(Rank(right[i]));
            }
        }

        return left.Length.CompareTo(right.Length);
    }

    /// <inheritdoc/>
    int IComparer<string>.Compare(string? x, string? y) => Compare(x ?? "", y ?? "");

    private static int Rank(char c) => c == '/' ? -1 : c;
}
