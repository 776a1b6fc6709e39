"""The file inputs both writers read (obspy only, no mspasspy): the miniSEED,
StationXML and QuakeML fixtures copied next to the sample files, and a
StationXML built for the miniSEED trace ids so that normalize_mseed finds
every one of them."""
import os
import shutil

import cases


def copy_inputs(repo, files_dir):
    """The miniSEED, StationXML and QuakeML inputs, copied next to the sample files."""
    os.makedirs(files_dir, exist_ok=True)
    spec = cases.inputs()
    for name in spec["mseed_files"]:
        shutil.copyfile(os.path.join(repo, "test/fixtures/miniseed", name), os.path.join(files_dir, name))
    shutil.copyfile(os.path.join(repo, "test/fixtures/stationxml", spec["stationxml"]), os.path.join(files_dir, spec["stationxml"]))
    shutil.copyfile(os.path.join(repo, "test/fixtures/quakeml", spec["quakeml"]), os.path.join(files_dir, spec["quakeml"]))


def write_station_inventory(files_dir, path):
    """A StationXML with one channel per miniSEED trace id, so that normalize_mseed finds them all."""
    import obspy
    from obspy.core.inventory import Channel, Inventory, Network, Station

    ids = set()
    for name in cases.MSEED_FILES:
        for tr in obspy.read(os.path.join(files_dir, name), headonly=True):
            ids.add((tr.stats.network, tr.stats.station, tr.stats.location, tr.stats.channel))
    start = obspy.UTCDateTime(1990, 1, 1)
    nets = {}
    for net, sta, loc, chan in sorted(ids):
        network = nets.setdefault(net, Network(code=net, stations=[]))
        station = next((s for s in network.stations if s.code == sta), None)
        if station is None:
            i = sum(len(n.stations) for n in nets.values())
            station = Station(code=sta, latitude=40.0 + i, longitude=10.0 + i, elevation=100.0 + i, start_date=start)
            network.stations.append(station)
        station.channels.append(
            Channel(code=chan, location_code=loc, latitude=station.latitude, longitude=station.longitude,
                    elevation=station.elevation, depth=0.0, azimuth=0.0, dip=-90.0 if chan.endswith("Z") else 0.0,
                    sample_rate=1.0, start_date=start)
        )
    inv = Inventory(networks=list(nets.values()), source="mspass compat fixture")
    inv.write(path, format="STATIONXML")
