from common import *
run('shipped (reproduce)')
