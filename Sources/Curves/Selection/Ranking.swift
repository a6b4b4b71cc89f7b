/// Ranks of `scores` from 1 (best) with ties given their average rank, as pandas'
/// `rank(method="average")` does; `ascending` says whether a lower score is better.
/// - Complexity: O(n log n).
public func averageRanks(_ scores: [Double], ascending: Bool) -> [Double] {
    let order = scores.indices.sorted {
        ascending ? scores[$0] < scores[$1] : scores[$0] > scores[$1]
    }
    var ranks = [Double](repeating: 0, count: scores.count)
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
        let average = Double(i + j + 2) / 2
        for t in i...j { ranks[order[t]] = average }
        i = j + 1
    }
    return ranks
}

/// The index of the best-ranked entry, the first in order among equals (numpy's `argmin` of
/// the ranks, as the reference selects).
public func bestIndex(_ ranks: [Double]) -> Int {
    ranks.indices.min { ranks[$0] < ranks[$1] }!
}
