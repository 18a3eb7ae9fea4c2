using System.Globalization;
using ScriptableNN.Tensors;
using Sylvan.Data.Csv;

namespace ScriptableNN.Data;

/// <summary>Which columns of a CSV file are features and which one is the label.</summary>
public sealed class CsvOptions
{
    /// <summary>Feature columns by header name; null means every column but the label.</summary>
    public string[]? Features { get; set; }

    /// <summary>The label column; null means the last column.</summary>
    public string? Label { get; set; }

    /// <summary>
    /// Treat the label as a category: its distinct values, sorted (numerically when they are all
    /// numbers, else ordinally), become class indices 0..k-1. Otherwise the label is a number.
    /// </summary>
    public bool Categorical { get; set; }
}

/// <summary>A CSV file as a data set, with the class names when the label is categorical.</summary>
public sealed record CsvData(Dataset Data, string[] FeatureNames, string LabelName, string[]? Classes);

/// <summary>Reads CSV files with a header row into a <see cref="Dataset"/> (Sylvan.Data.Csv does the parsing).</summary>
public static class CsvLoader
{
    /// <summary>Reads <paramref name="path"/>; a malformed row names its line.</summary>
    public static CsvData Load(string path, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}", path);
        try { return LoadChecked(path, options); }
        catch (Exception e) when (e.GetType().Namespace?.StartsWith("Sylvan", StringComparison.Ordinal) == true)
        {
            // The parser's own complaint (a stray quote, say): it names no file content.
            throw new FormatException($"{path}: not a valid CSV file ({e.Message})", e);
        }
    }

    private static CsvData LoadChecked(string path, CsvOptions options)
    {
        using var reader = CsvDataReader.Create(path, new CsvDataReaderOptions { HasHeaders = true });
        int columns = reader.FieldCount;
        var headers = new string[columns];
        for (int i = 0; i < columns; i++) headers[i] = reader.GetName(i);
        int Ordinal(string name)
        {
            int i = Array.IndexOf(headers, name);
            if (i < 0) throw new ArgumentException($"{path}: no column '{name}' in the header ({headers.Length} columns).");
            return i;
        }
        int label = options.Label != null ? Ordinal(options.Label) : columns - 1;
        int[] features = options.Features != null
            ? options.Features.Select(Ordinal).ToArray()
            : Enumerable.Range(0, columns).Where(i => i != label).ToArray();
        if (features.Length == 0) throw new ArgumentException($"{path}: no feature columns.");

        var x = new List<float>();
        var rawLabels = new List<string>();
        int line = 1;                                   // the header
        while (reader.Read())
        {
            line++;
            if (reader.RowFieldCount != columns)
                throw new FormatException($"{path}:{line}: the row has {reader.RowFieldCount} fields, the header has {columns}.");
            foreach (int f in features)
            {
                string s = reader.GetString(f);
                if (!float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                    throw new FormatException($"{path}:{line}: column {f + 1} holds a value that is not a number.");
                x.Add(v);
            }
            rawLabels.Add(reader.GetString(label));
        }
        int n = rawLabels.Count;
        if (n == 0) throw new FormatException($"{path}: no data rows after the header.");
        var inputs = Tensor.FromArray(x.ToArray(), n, features.Length);
        string[]? classes = null;
        Tensor targets;
        if (options.Categorical)
        {
            var distinct = rawLabels.Distinct().ToList();
            distinct = distinct.All(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                ? distinct.OrderBy(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList()
                : distinct.OrderBy(s => s, StringComparer.Ordinal).ToList();
            classes = distinct.ToArray();
            var index = distinct.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);
            targets = Tensor.FromArray(rawLabels.Select(s => (float)index[s]).ToArray(), n);
        }
        else
        {
            var y = new float[n];
            for (int i = 0; i < n; i++)
                if (!float.TryParse(rawLabels[i], NumberStyles.Float, CultureInfo.InvariantCulture, out y[i]))
                    throw new FormatException($"{path}:{i + 2}: the label column {label + 1} holds a value that is not a number (use categorical labels).");
            targets = Tensor.FromArray(y, n, 1);
        }
        return new CsvData(new Dataset(inputs, targets), features.Select(f => headers[f]).ToArray(), headers[label], classes);
    }
}
