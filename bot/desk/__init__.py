"""The consultants' desk: cases from opened to closed, in channel-neutral terms."""
