tasks --format json --deal halvard
