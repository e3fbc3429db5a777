using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Detection.Pipeline;

/// <summary>A run of input lines: the good records with their predictions, and the rejected lines, in input order.</summary>
public sealed record ClassifiedBatch(IReadOnlyList<ParsedLine> Lines, IReadOnlyList<ConnectionRecord> Records, IReadOnlyList<Prediction> Predictions);
