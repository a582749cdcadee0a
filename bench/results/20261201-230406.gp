set terminal svg size 1100,720 dynamic font 'sans,11' background '#ffffff'
set output '20261201-230406.svg'
set multiplot layout 2,1 title "notes-api bench 2026-12-01T23:04:06, 32 connections (ceiling: nginx return 200 for ping, pgbench for the rest)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top right
set grid ytics
set xtics rotate by -20
set datafile missing 'NaN'
set ylabel 'requests per second'
set logscale y
plot '20261201-230406.dat' using 2:xtic(1) title 'ours', '20261201-230406.dat' using 3:xtic(1) title 'main-before', '20261201-230406.dat' using 4:xtic(1) title 'ceiling'
unset logscale y
set ylabel 'p99 latency (ms)'
set yrange [0:*]
plot '20261201-230406.dat' using 5:xtic(1) title 'ours', '20261201-230406.dat' using 6:xtic(1) title 'main-before'
unset multiplot
