//! Fuzz target: the CloudTrail record parser and the trail-file stream reader (plain and
//! gzip) count what they cannot read instead of panicking, for any bytes.
#![no_main]

use std::io::Write as _;
use std::path::Path;

use leastpriv::sources::cloudtrail::record::{Record, parse_value};
use leastpriv::sources::cloudtrail::trail_file::read_stream;
use leastpriv::sources::cloudtrail::window::Window;
use leastpriv::sources::cloudtrail::{RecordSink, SourceStats};
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Count(u64);

impl RecordSink for Count {
    fn record(&mut self, _: &Record<'_>) {
        self.0 += 1;
    }
    fn merge(&mut self, other: Self) {
        self.0 += other.0;
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_value(data, &mut |_| {});

    let window = Window::default();
    let name = Path::new("fuzz.json");
    for bytes in [data.to_vec(), gzip(data)] {
        let (mut sink, mut stats, mut diags) = (Count::default(), SourceStats::default(), Vec::new());
        read_stream(name, bytes.as_slice(), &window, &mut sink, &mut stats, &mut diags);
    }
});

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}
