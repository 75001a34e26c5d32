import Foundation
import SurveyModel
import Testing

@Suite("UTF-8 appended in one copy")
struct ByteTextTests {
    @Test("appendUTF8 gives a string's UTF-8 bytes, short or long, ASCII or not, whole or cut from another")
    func sameBytes() {
        let long = String(repeating: "Sở Tư pháp tỉnh ", count: 20)
        let texts = ["", "q01", "unit_quarter", "2024-Q3 vs 2024-Q2", "Sở Tư pháp", long, String(long.dropFirst(7).prefix(40)),
                     "😀 x", "NA"]
        for text in texts {
            var bytes: [UInt8] = [1, 2]
            bytes.appendUTF8(text)
            #expect(bytes == [1, 2] + Array(text.utf8), "\(text)")
        }
    }
}
